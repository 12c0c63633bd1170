"""pytest-ba-issuer: run ba-issuer (a Better Auth compatible session and JWT issuer) in tests.

The pytest plugin (pytest_ba_issuer.plugin, loaded through the pytest11 entry point) gives the
`ba_issuer` and `ba_session` fixtures; start() runs one outside pytest. Standard library only.
"""
from pytest_ba_issuer.issuer import (BAD_TOKEN_KINDS, DEFAULT_ARGS, Issuer, IssuerError,
                                     IssuerStartError, find_binary, start)

__all__ = ["BAD_TOKEN_KINDS", "DEFAULT_ARGS", "Issuer", "IssuerError", "IssuerStartError",
           "find_binary", "start"]
