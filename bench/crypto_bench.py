"""make bench (part 4): the cost of the per-value key of the ``gs2`` ciphertext format (issue 12 item 5) against
the ``gs1`` per-field key, measured in the same run: microseconds per encryption and per decryption of a
typical field (a phone number, bound to a model, field and row). No database or services: the crypto core only.

``gs1`` derives its field key once (cached) and seals; ``gs2`` draws a 16-byte salt and runs HKDF-SHA256 for
every value. Rounds alternate old/new so a loaded machine slows both alike; the best of ``--rounds`` is printed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from greenshield import crypto  # noqa: E402 - after the path is set up

PURPOSE, ROW, VALUE = "parcels.acceptancerecord.recipient_phone", "0b6f0c52-9a7e-4c52-8a8a-6c1f5d1e0a11", "+8613800138000"


def per_call_us(function, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        function()
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", type=int, default=20_000, help="values per round and format")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    ring = crypto.Keyring.parse(crypto.generate_key_entry("bench"))
    old_token = crypto.encrypt_legacy(ring, VALUE, purpose=PURPOSE, row_id=ROW)
    new_token = crypto.encrypt(ring, VALUE, purpose=PURPOSE, row_id=ROW)
    cases = {
        "encrypt gs1 (field key)": lambda: crypto.encrypt_legacy(ring, VALUE, purpose=PURPOSE, row_id=ROW),
        "encrypt gs2 (value key)": lambda: crypto.encrypt(ring, VALUE, purpose=PURPOSE, row_id=ROW),
        "decrypt gs1": lambda: crypto.decrypt(ring, old_token, purpose=PURPOSE, row_id=ROW),
        "decrypt gs2": lambda: crypto.decrypt(ring, new_token, purpose=PURPOSE, row_id=ROW),
    }
    best = {name: float("inf") for name in cases}
    for _ in range(args.rounds):
        for name, function in cases.items():
            best[name] = min(best[name], per_call_us(function, args.values))
    print(f"crypto: {args.values} values × {args.rounds} rounds, best round (a shared machine: compare ratios)")
    for name, us in best.items():
        print(f"  {name:<26} {us:8.1f} µs")
    print(f"  encrypt gs2 / gs1: {best['encrypt gs2 (value key)'] / best['encrypt gs1 (field key)']:.2f}×   "
          f"decrypt gs2 / gs1: {best['decrypt gs2'] / best['decrypt gs1']:.2f}×")


if __name__ == "__main__":
    main()
