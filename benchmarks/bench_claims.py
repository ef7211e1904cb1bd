"""How long each paper's claims() takes (the issue's target: both under 2 minutes on 2 cores). Run:

    python benchmarks/bench_claims.py
"""

import time

from scalinglaws.papers import krajewski, schaeffer


def main():
    total = 0.0
    for name, module in (("krajewski", krajewski), ("schaeffer", schaeffer)):
        start = time.perf_counter()
        frame = module.claims()
        dt = time.perf_counter() - start
        total += dt
        print(f"{name}.claims(): {len(frame)} claims in {dt:.1f} s "
              f"({', '.join(f'{s}: {n}' for s, n in frame['status'].value_counts().items())})")
    print(f"both: {total:.1f} s")


if __name__ == "__main__":
    main()
