"""Fixtures of the security tests: the demand catalog and round, and running requests at once."""

from __future__ import annotations

import threading

from tests.demand.conftest import bus, round_  # noqa: F401  (fixtures shared with the demand tests)


def concurrently(calls, timeout: float = 120.0) -> list:
    """Run every callable in its own thread, released together; their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, call):
        barrier.wait()
        try:
            results[n] = call()
        except BaseException as exc:  # reported to the test, which decides
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


def clone_client(app, client):
    """Another test client carrying `client`'s session cookie (the same signed-in browser)."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


from tests.publish.conftest import demo_round  # noqa: E402,F401
