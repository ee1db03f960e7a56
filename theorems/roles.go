package theorems

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/implicitreg/verify/algorithms"
)

// A Role is a part an algorithm plays in the catalogue — "a GD-like method given an objective,
// a start and steps" — named, with the Go function type that plays it and the theorems built
// on it. Theorem constructors take the algorithm as a value; the role registry lets a user's
// implementation be checked against every theorem about its role without knowing the
// constructors (ForImplementation, ForName, ForID, and checks.Verify on top of them).
type Role struct {
	// Name identifies the role, e.g. "gd".
	Name string
	// Type is the function type a value must have (or be convertible to) to play the role.
	Type reflect.Type
	// Doc says what an implementation must do, and which of our methods plays the role.
	Doc string
	// TagOnly roles share their exact Go type with another role (a normalised SGD step has
	// the SGD step's signature): a value is taken in such a role only when wrapped by AsRole.
	TagOnly bool
	// IDs lists the theorems built on the role (ForName returns them in catalogue order).
	IDs []string

	builds []roleBuild
	ours   any // our implementation, which the catalogue's theorems are built on
}

// roleBuild builds one theorem from a value of the role's type (already converted to it).
type roleBuild struct {
	id    string
	build func(reflect.Value) *Theorem
}

// roleOn pairs a theorem ID with the constructor that builds it from a method of type M; M is
// the role's type, so a constructor taking several methods is wrapped with our own for the
// others.
func roleOn[M any](id string, ctor func(M) *Theorem) roleBuild {
	return roleBuild{id: id, build: func(v reflect.Value) *Theorem { return ctor(v.Interface().(M)) }}
}

func newRole[M any](name string, tagOnly bool, ours M, doc string, builds ...roleBuild) *Role {
	r := &Role{Name: name, Type: reflect.TypeFor[M](), Doc: doc, TagOnly: tagOnly, ours: ours, builds: builds}
	for _, b := range builds {
		r.IDs = append(r.IDs, b.id)
	}
	return r
}

// roleBalancedWith returns our balancedness experiment methods with one replaced by set.
func roleBalancedWith(set func(*BalancedExpMethods)) BalancedExpMethods {
	m := DefaultBalancedExpMethods()
	set(&m)
	return m
}

// roleFlowConservedWith returns our balancedness/flow-conserved methods with one replaced by set.
func roleFlowConservedWith(set func(*FlowConservedMethods)) FlowConservedMethods {
	m := FlowConservedMethods{
		SGDFactor: algorithms.SGDFactorStep, NormalizedSGDFactor: algorithms.NormalizedSGDFactorStep,
		SGDInner: algorithms.SGDInnerStep, NormalizedSGDInner: algorithms.NormalizedSGDInnerStep,
	}
	set(&m)
	return m
}

// roleFreeIDs are the encoded theorems that run no replaceable algorithm (a closed-form
// statement), so no role lists them; a test keeps roles and catalogue in step.
var roleFreeIDs = map[string]bool{"balancedness/sharpness": true}

// roles is the registry, in the catalogue's family order. A theorem built on several methods
// appears under each of their roles, built with ours for the others.
var roles = []*Role{
	newRole[GDMethod]("gd", false, algorithms.GradientDescent,
		"gradient descent θ_{t+1} = θ_t − η_t ∇f(θ_t) for each given step, returning all T+1 iterates (ours: algorithms.GradientDescent)",
		roleOn("basic-inequality/gd", BasicInequalityGD),
		roleOn("basic-inequality/envelope", BasicInequalityEnvelope),
		roleOn("basic-inequality/gd-large-step", BasicInequalityGDLargeStep),
		roleOn("basic-inequality/least-squares-risk", BasicInequalityLeastSquaresRisk),
		roleOn("basic-inequality/logistic-risk", BasicInequalityLogisticRisk),
	),
	newRole[MDMethod]("mirror-descent", false, algorithms.MirrorDescent,
		"mirror descent ∇ψ(θ_{t+1}) = ∇ψ(θ_t) − η_t ∇f(θ_t) (ours: algorithms.MirrorDescent)",
		roleOn("basic-inequality/mirror-descent", BasicInequalityMirrorDescent),
	),
	newRole[EGMethod]("eg", false, algorithms.ExponentiatedGradientLog,
		"exponentiated gradient on the simplex (ours: algorithms.ExponentiatedGradientLog); EG± stays ours",
		roleOn("basic-inequality/eg", func(m EGMethod) *Theorem { return BasicInequalityEG(m, algorithms.EGPlusMinus) }),
	),
	newRole[EGPlusMinusMethod]("eg-plus-minus", false, algorithms.EGPlusMinus,
		"EG± on the ℓ1 ball of radius B (ours: algorithms.EGPlusMinus); EG stays ours",
		roleOn("basic-inequality/eg", func(m EGPlusMinusMethod) *Theorem {
			return BasicInequalityEG(algorithms.ExponentiatedGradientLog, m)
		}),
	),
	newRole[GibbsEGMethod]("gibbs-eg", false, algorithms.EGDistributions,
		"EG over distributions, returning the Gibbs iterate q and log q (ours: algorithms.EGDistributions)",
		roleOn("basic-inequality/gibbs", BasicInequalityGibbs),
	),
	newRole[SGDMethod]("sgd", false, algorithms.SGD,
		"SGD on a finite sum with the given sample indices (ours: algorithms.SGD)",
		roleOn("basic-inequality/sgd", BasicInequalitySGD),
	),
	newRole[QuadraticFlowMethod]("quadratic-flow", false, algorithms.QuadraticFlowPath,
		"the exact gradient-flow path of a quadratic at given times (ours: algorithms.QuadraticFlowPath); the general integrator stays ours",
		roleOn("basic-inequality/gradient-flow", func(m QuadraticFlowMethod) *Theorem {
			return BasicInequalityGradientFlow(m, algorithms.GradientFlow)
		}),
	),
	newRole[GradientFlowMethod]("gradient-flow", false, algorithms.GradientFlow,
		"an error-controlled gradient-flow integrator (ours: algorithms.GradientFlow); the quadratic closed form stays ours",
		roleOn("basic-inequality/gradient-flow", func(m GradientFlowMethod) *Theorem {
			return BasicInequalityGradientFlow(algorithms.QuadraticFlowPath, m)
		}),
	),
	newRole[algorithms.FactorSGDMethod]("factor-sgd-step", false, algorithms.SGDFactorStep,
		"one SGD step on a matrix-factor (NOP) problem (ours: algorithms.SGDFactorStep)",
		roleOn("balancedness/gd-nop", BalancednessGDNOP),
		roleOn("balancedness/flow-conserved", func(m algorithms.FactorSGDMethod) *Theorem {
			return BalancednessFlowConserved(roleFlowConservedWith(func(f *FlowConservedMethods) { f.SGDFactor = m }))
		}),
		roleOn("balancedness/sam-promotes", func(m algorithms.FactorSGDMethod) *Theorem {
			return BalancednessSAMPromotes(roleBalancedWith(func(b *BalancedExpMethods) { b.SGDFactor = m }))
		}),
		roleOn("balancedness/bar", func(m algorithms.FactorSGDMethod) *Theorem {
			return BalancednessBAR(roleBalancedWith(func(b *BalancedExpMethods) { b.SGDFactor = m }))
		}),
	),
	newRole[algorithms.FactorSGDMethod]("normalized-factor-sgd-step", true, algorithms.NormalizedSGDFactorStep,
		"one normalised SGD step on a matrix-factor (NOP) problem (ours: algorithms.NormalizedSGDFactorStep)",
		roleOn("balancedness/flow-conserved", func(m algorithms.FactorSGDMethod) *Theorem {
			return BalancednessFlowConserved(roleFlowConservedWith(func(f *FlowConservedMethods) { f.NormalizedSGDFactor = m }))
		}),
	),
	newRole[algorithms.InnerSGDMethod]("inner-sgd-step", false, algorithms.SGDInnerStep,
		"one SGD step on an inner-product (OP) problem (ours: algorithms.SGDInnerStep)",
		roleOn("balancedness/gd-op", BalancednessGDOP),
		roleOn("balancedness/flow-conserved", func(m algorithms.InnerSGDMethod) *Theorem {
			return BalancednessFlowConserved(roleFlowConservedWith(func(f *FlowConservedMethods) { f.SGDInner = m }))
		}),
		roleOn("balancedness/sam-promotes", func(m algorithms.InnerSGDMethod) *Theorem {
			return BalancednessSAMPromotes(roleBalancedWith(func(b *BalancedExpMethods) { b.SGDInner = m }))
		}),
		roleOn("balancedness/bar", func(m algorithms.InnerSGDMethod) *Theorem {
			return BalancednessBAR(roleBalancedWith(func(b *BalancedExpMethods) { b.SGDInner = m }))
		}),
	),
	newRole[algorithms.InnerSGDMethod]("normalized-inner-sgd-step", true, algorithms.NormalizedSGDInnerStep,
		"one normalised SGD step on an inner-product (OP) problem (ours: algorithms.NormalizedSGDInnerStep)",
		roleOn("balancedness/flow-conserved", func(m algorithms.InnerSGDMethod) *Theorem {
			return BalancednessFlowConserved(roleFlowConservedWith(func(f *FlowConservedMethods) { f.NormalizedSGDInner = m }))
		}),
	),
	newRole[algorithms.FactorSAMMethod]("factor-sam-step", false, algorithms.SAMFactorStep,
		"one SAM step with radius ρ on a matrix-factor (NOP) problem (ours: algorithms.SAMFactorStep)",
		roleOn("balancedness/sam-nop", BalancednessSAMNOP),
		roleOn("balancedness/sam-flow-nop", BalancednessSAMFlowNOP),
		roleOn("balancedness/sam-promotes", func(m algorithms.FactorSAMMethod) *Theorem {
			return BalancednessSAMPromotes(roleBalancedWith(func(b *BalancedExpMethods) { b.SAMFactor = m }))
		}),
		roleOn("balancedness/data-responsive", func(m algorithms.FactorSAMMethod) *Theorem {
			return BalancednessDataResponsive(roleBalancedWith(func(b *BalancedExpMethods) { b.SAMFactor = m }))
		}),
		roleOn("balancedness/bar", func(m algorithms.FactorSAMMethod) *Theorem {
			return BalancednessBAR(roleBalancedWith(func(b *BalancedExpMethods) { b.SAMFactor = m }))
		}),
	),
	newRole[algorithms.InnerSAMMethod]("inner-sam-step", false, algorithms.SAMInnerStep,
		"one SAM step with radius ρ on an inner-product (OP) problem (ours: algorithms.SAMInnerStep)",
		roleOn("balancedness/sam-op", BalancednessSAMOP),
		roleOn("balancedness/sam-flow-op", BalancednessSAMFlowOP),
		roleOn("balancedness/sam-promotes", func(m algorithms.InnerSAMMethod) *Theorem {
			return BalancednessSAMPromotes(roleBalancedWith(func(b *BalancedExpMethods) { b.SAMInner = m }))
		}),
		roleOn("balancedness/data-responsive", func(m algorithms.InnerSAMMethod) *Theorem {
			return BalancednessDataResponsive(roleBalancedWith(func(b *BalancedExpMethods) { b.SAMInner = m }))
		}),
		roleOn("balancedness/bar", func(m algorithms.InnerSAMMethod) *Theorem {
			return BalancednessBAR(roleBalancedWith(func(b *BalancedExpMethods) { b.SAMInner = m }))
		}),
	),
	newRole[BARInnerMethod]("nbar-inner-step", true, algorithms.NBARInnerStep,
		"one nBAR step with strength α on an inner-product (OP) problem (ours: algorithms.NBARInnerStep)",
		roleOn("balancedness/bar", func(m BARInnerMethod) *Theorem {
			return BalancednessBAR(roleBalancedWith(func(b *BalancedExpMethods) { b.NBARInner = m }))
		}),
	),
	newRole[BARInnerMethod]("obar-inner-step", true, algorithms.OBARInnerStep,
		"one oBAR step with strength α on an inner-product (OP) problem (ours: algorithms.OBARInnerStep)",
		roleOn("balancedness/bar", func(m BARInnerMethod) *Theorem {
			return BalancednessBAR(roleBalancedWith(func(b *BalancedExpMethods) { b.OBARInner = m }))
		}),
	),
	newRole[BARFactorMethod]("nbar-factor-step", true, algorithms.NBARFactorStep,
		"one nBAR step with strength α on a matrix-factor (NOP) problem (ours: algorithms.NBARFactorStep)",
		roleOn("balancedness/bar", func(m BARFactorMethod) *Theorem {
			return BalancednessBAR(roleBalancedWith(func(b *BalancedExpMethods) { b.NBARFactor = m }))
		}),
	),
	newRole[BARFactorMethod]("obar-factor-step", true, algorithms.OBARFactorStep,
		"one oBAR step with strength α on a matrix-factor (NOP) problem (ours: algorithms.OBARFactorStep)",
		roleOn("balancedness/bar", func(m BARFactorMethod) *Theorem {
			return BalancednessBAR(roleBalancedWith(func(b *BalancedExpMethods) { b.OBARFactor = m }))
		}),
	),
	newRole[algorithms.DeepMFGradient]("deepmf-gradient", false, algorithms.DeepMFGrad,
		"the end-to-end gradients of a deep matrix factorisation and its loss (ours: algorithms.DeepMFGrad)",
		roleOn("low-rank/singular-value-dynamics", LowRankSingularValueDynamics),
		roleOn("low-rank/balance-drift", LowRankBalanceDrift),
		roleOn("low-rank/depth", LowRankDepth),
		roleOn("connectivity/invariant-manifold", ConnectivityInvariantManifold),
		roleOn("connectivity/connected-low-rank", ConnectivityConnectedLowRank),
		roleOn("connectivity/disconnected-nuclear", ConnectivityDisconnectedNuclear),
	),
	newRole[algorithms.DeepMF2x2Step]("deepmf2x2-step", false, algorithms.FastDeepMF2x2Step,
		"one GD step of depth-N factorisation on the 2×2 completion instance (ours: algorithms.FastDeepMF2x2Step)",
		roleOn("norm-divergence/razin-cohen", NormDivergenceRazinCohen),
	),
	newRole[algorithms.LiftedGradient]("lifted-gradient", false, algorithms.LiftedGrad,
		"∇h(w) and h(w) of a lifted tensor objective at a symmetric w (ours: algorithms.LiftedGrad)",
		roleOn("lifted-tensor/rank-one", LiftedRankOne),
		roleOn("lifted-tensor/beats-unlifted", LiftedBeatsUnlifted),
	),
	newRole[algorithms.LiftedDenseGradient]("lifted-dense-gradient", false, algorithms.LiftedGradDense,
		"∇h(w) and h(w) of a lifted tensor objective at any dense w (ours: algorithms.LiftedGradDense)",
		roleOn("lifted-tensor/symmetric", LiftedSymmetric),
	),
	newRole[SCORERMSolver]("sco-rerm-solver", false, DefaultSCORERMSolver,
		"the 2-D regularised ERM solver of the SCO construction (ours: DefaultSCORERMSolver); the other SCO methods stay ours",
		roleOn("sco/rerm-fails", func(m SCORERMSolver) *Theorem { return SCORERMFails(m, algorithms.SCOAxisSGD) }),
		roleOn("sco/full-dimension", func(m SCORERMSolver) *Theorem {
			return SCOFullDimension(m, algorithms.SCOMultiStartRERM, algorithms.SCOProjectedSGD)
		}),
	),
	newRole[SCOAxisSGDMethod]("sco-axis-sgd", false, algorithms.SCOAxisSGD,
		"one-pass SGD along the construction's axis (ours: algorithms.SCOAxisSGD)",
		roleOn("sco/rerm-fails", func(m SCOAxisSGDMethod) *Theorem { return SCORERMFails(DefaultSCORERMSolver, m) }),
	),
	newRole[SCOSGDMethod]("sco-sgd", false, algorithms.SCOProjectedSGD,
		"projected one-pass SGD with averaging (ours: algorithms.SCOProjectedSGD); the other SCO methods stay ours",
		roleOn("sco/sgd-rate", SCOSGDRate),
		roleOn("sco/full-dimension", func(m SCOSGDMethod) *Theorem {
			return SCOFullDimension(DefaultSCORERMSolver, algorithms.SCOMultiStartRERM, m)
		}),
	),
	newRole[SCOLocalRERMMethod]("sco-local-rerm", false, algorithms.SCOMultiStartRERM,
		"a local-search regularised-ERM minimiser (ours: algorithms.SCOMultiStartRERM); the other SCO methods stay ours",
		roleOn("sco/tikhonov-learns", SCOTikhonovLearns),
		roleOn("sco/full-dimension", func(m SCOLocalRERMMethod) *Theorem {
			return SCOFullDimension(DefaultSCORERMSolver, m, algorithms.SCOProjectedSGD)
		}),
	),
}

// Roles returns every algorithm role with the IDs of its theorems.
func Roles() []Role {
	out := make([]Role, len(roles))
	for i, r := range roles {
		out[i] = *r
		out[i].IDs = append([]string(nil), r.IDs...)
	}
	return out
}

// RoleImpl is an implementation tagged with the role it plays; AsRole makes one.
type RoleImpl struct {
	Role string
	Impl any
}

// AsRole tags impl with a role by name. It is needed only where roles share a signature: a
// normalised SGD step, an nBAR or oBAR step (TagOnly roles), or a function type that fits
// several roles. ForImplementation, ForName, ForID and checks.Verify accept the result.
func AsRole(role string, impl any) RoleImpl { return RoleImpl{Role: role, Impl: impl} }

// RoleError says why an implementation cannot be checked: it fits no role, several, or the
// theorem named is not about its role.
type RoleError struct {
	msg string
}

func (e *RoleError) Error() string { return e.msg }

func roleErrorf(format string, args ...any) *RoleError {
	return &RoleError{msg: fmt.Sprintf(format, args...)}
}

// roleList renders every role with its type, for error messages.
func roleList() string {
	var b strings.Builder
	for _, r := range roles {
		tag := ""
		if r.TagOnly {
			tag = fmt.Sprintf(" — via theorems.AsRole(%q, impl)", r.Name)
		}
		fmt.Fprintf(&b, "\n  %-28s %s%s", r.Name, roleTypeString(r.Type), tag)
	}
	return b.String()
}

// roleTypeString names a role type as a user writes it, with its signature when it is named.
func roleTypeString(t reflect.Type) string {
	if t.Name() == "" {
		return t.String()
	}
	sig := reflect.FuncOf(roleFuncIn(t), roleFuncOut(t), t.IsVariadic()).String()
	return t.String() + " = " + sig
}

func roleFuncIn(t reflect.Type) []reflect.Type {
	out := make([]reflect.Type, t.NumIn())
	for i := range out {
		out[i] = t.In(i)
	}
	return out
}

func roleFuncOut(t reflect.Type) []reflect.Type {
	out := make([]reflect.Type, t.NumOut())
	for i := range out {
		out[i] = t.Out(i)
	}
	return out
}

// RoleOf finds the role impl plays. A value is matched by its exact type first (a
// theorems.GDMethod plays "gd"), then by convertibility (a plain func with GDMethod's
// signature plays "gd"); TagOnly roles are matched only through AsRole, and a value fitting
// several roles must be tagged with AsRole too.
func RoleOf(impl any) (Role, error) {
	r, _, err := roleOf(impl)
	if err != nil {
		return Role{}, err
	}
	return *r, nil
}

func roleOf(impl any) (*Role, reflect.Value, error) {
	if tagged, ok := impl.(RoleImpl); ok {
		return roleTagged(tagged)
	}
	if impl == nil {
		return nil, reflect.Value{}, roleErrorf("theorems: nil implementation; the roles are:%s", roleList())
	}
	v := reflect.ValueOf(impl)
	t := v.Type()
	// The exact type decides when some role has it (a theorems.BARInnerMethod is never taken
	// for the SAM step its signature also fits); otherwise convertibility does.
	match := func(r *Role) bool { return r.Type == t }
	if !slices.ContainsFunc(roles, match) {
		match = func(r *Role) bool { return t.ConvertibleTo(r.Type) }
	}
	var cands []*Role
	var tagOnly []string
	for _, r := range roles {
		switch {
		case !match(r):
		case r.TagOnly:
			tagOnly = append(tagOnly, r.Name)
		default:
			cands = append(cands, r)
		}
	}
	switch len(cands) {
	case 1:
		return roleChecked(cands[0], v)
	case 0:
		if len(tagOnly) > 0 {
			return nil, reflect.Value{}, roleErrorf("theorems: an implementation of type %s plays one of the roles %s, which share a signature: say which with theorems.AsRole(%q, impl)",
				t, strings.Join(tagOnly, ", "), tagOnly[0])
		}
		return nil, reflect.Value{}, roleErrorf("theorems: an implementation of type %s matches no algorithm role; the roles are:%s", t, roleList())
	default:
		names := make([]string, len(cands))
		for i, r := range cands {
			names[i] = r.Name
		}
		return nil, reflect.Value{}, roleErrorf("theorems: an implementation of type %s fits the roles %s: say which with theorems.AsRole(%q, impl)",
			t, strings.Join(names, ", "), names[0])
	}
}

func roleTagged(tagged RoleImpl) (*Role, reflect.Value, error) {
	for _, r := range roles {
		if r.Name != tagged.Role {
			continue
		}
		if tagged.Impl == nil {
			return nil, reflect.Value{}, roleErrorf("theorems: nil implementation for role %s", r.Name)
		}
		v := reflect.ValueOf(tagged.Impl)
		if !v.Type().ConvertibleTo(r.Type) {
			return nil, reflect.Value{}, roleErrorf("theorems: an implementation of type %s cannot play role %s, which needs %s", v.Type(), r.Name, roleTypeString(r.Type))
		}
		return roleChecked(r, v)
	}
	return nil, reflect.Value{}, roleErrorf("theorems: unknown role %q; the roles are:%s", tagged.Role, roleList())
}

// roleChecked converts v to r's type and refuses a nil function.
func roleChecked(r *Role, v reflect.Value) (*Role, reflect.Value, error) {
	v = v.Convert(r.Type)
	if v.IsNil() {
		return nil, reflect.Value{}, roleErrorf("theorems: nil %s for role %s", r.Type, r.Name)
	}
	return r, v, nil
}

// ForImplementation builds every theorem about impl's role on impl, in catalogue order. Each is
// a fresh theorem (examples, property and controls all run impl); the catalogue's own
// theorems, built on our methods, are unchanged.
func ForImplementation(impl any) ([]*Theorem, error) {
	return ForName("", impl)
}

// ForName builds the theorems about impl's role that name selects: a theorem ID, a family, or
// "" for all of them. A name that is not in the catalogue is an *UnknownError; one that is, but
// not about impl's role, a *RoleError listing the role's theorems.
func ForName(name string, impl any) ([]*Theorem, error) {
	r, v, err := roleOf(impl)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSuffix(strings.TrimSpace(name), "/")
	var want map[string]bool
	if name != "" {
		named, err := Resolve([]string{name})
		if err != nil {
			return nil, err
		}
		want = map[string]bool{}
		for _, th := range named {
			want[th.ID] = true
		}
	}
	var out []*Theorem
	for _, th := range registry { // catalogue order
		for _, b := range r.builds {
			if b.id == th.ID && (want == nil || want[b.id]) {
				out = append(out, b.build(v))
			}
		}
	}
	if len(out) == 0 {
		return nil, roleErrorf("theorems: %q is not about the %s role (%s); its theorems are %s",
			name, r.Name, r.Type, strings.Join(r.IDs, ", "))
	}
	return out, nil
}

// ForID builds the theorem with the given ID on impl; the ID must be about impl's role.
func ForID(id string, impl any) (*Theorem, error) {
	if _, ok := Lookup(strings.TrimSpace(id)); !ok {
		if _, err := Resolve([]string{id}); err != nil {
			return nil, err
		}
		return nil, roleErrorf("theorems: %q is a family; ForID takes one theorem ID (ForName takes a family)", id)
	}
	ths, err := ForName(id, impl)
	if err != nil {
		return nil, err
	}
	return ths[0], nil
}
