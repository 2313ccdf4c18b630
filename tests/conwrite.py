"""One console write() arrives in one piece.

tests/run.py runs this for the suite line `session conwrite`: t_conwrite
has three processes write 40 lines each at once, one write() per line;
every line of output must be one of the three lines, whole, each 40 times.
"""

WRITERS, N, WIDTH = 3, 40, 60


def expected(k):
    return f"conwrite {k} " + chr(ord("a") + k) * (WIDTH - 11)


def run(vm, res, run_command):
    """Returns False if the machine must be rebooted."""
    out, problem = run_command(vm, f"t_conwrite {N}", 120)
    if problem:
        res.add("FAIL", "conwrite", problem, vm.tail())
        return False
    lines = [l.rstrip() for l in out.split("\n") if l.strip()]
    want = {expected(k): 0 for k in range(WRITERS)}
    broken = []
    for line in lines:
        if line in want:
            want[line] += 1
        elif line != "conwrite done: 0 writers failed":
            broken.append(line)
    if broken:
        res.add("FAIL", "conwrite/whole-lines",
                f"{len(broken)} lines mixed from several writes", broken[:5])
    elif any(n != N for n in want.values()):
        res.add("FAIL", "conwrite/whole-lines",
                f"lines per writer {sorted(want.values())}, want {N} each", lines[-5:])
    else:
        res.add("ok", "conwrite/whole-lines")
    return True
