"""better-auth wire facts: cookie names, signing, cookie headers, errors, dates.

Pure standard library and no I/O, so the server, the client and the tests can
share it and check it against the reference vectors.
"""
