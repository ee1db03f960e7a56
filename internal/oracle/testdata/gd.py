# Gradient descent for `verify run --algorithm-cmd 'python3 gd.py'` (oracle protocol v1).
import json, sys

def ask(msg):
    print(json.dumps(msg), flush=True)
    return json.loads(sys.stdin.readline())

for line in sys.stdin:
    p = json.loads(line)
    x = p["x0"]
    xs = [x]
    for eta in p["steps"]:
        g = ask({"type": "grad", "id": p["id"], "x": x})["g"]
        x = [xi - eta * gi for xi, gi in zip(x, g)]
        xs.append(x)
    print(json.dumps({"type": "iterates", "id": p["id"], "xs": xs}), flush=True)
