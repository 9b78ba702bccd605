"""A tiny misbehaving HTTP server for client fault tests.

``FaultServer`` listens on 127.0.0.1 (a free port), reads each request's head
(and its ``Content-Length`` body), records it, and answers with canned raw
bytes; an answer of ``None`` means "say nothing and hold the connection open",
and a callable is a script that writes the answer itself over time (``drip``,
``streamed``) through the connection's ``Line``. Answers are used in order,
the last one repeating. Leaving the ``with`` block closes the listener and
every connection and joins every thread. ``FaultServer(..., tls=context)``
speaks TLS (see ``tls_pair``); ``FaultServer(script, raw=True)`` hands each
connection to the script before anything is read, for faults below HTTP.

``refused_port()`` yields a port that refuses connections: it is bound but
not listening, so nobody can take it while the test runs.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

_POLL = 0.05


def http_response(
    status: int,
    body: bytes = b"",
    content_type: str | None = "application/json",
    headers: Sequence[tuple[str, str]] = (),
    reason: str = "Whatever",
) -> bytes:
    """Raw HTTP/1.1 response bytes that close the connection after the body."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass(frozen=True)
class Request:
    """One request as received: request line, headers (lower-cased names), body."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name.lower()]


def http_head(
    status: int,
    headers: Sequence[tuple[str, str]] = (),
    content_type: str | None = "application/json",
    reason: str = "Whatever",
) -> bytes:
    """Raw HTTP/1.1 status line and headers, for an answer whose body a script sends."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _parse_head(head: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return method, path, headers


class Line:
    """One accepted connection as an answer script sees it.

    ``send`` and ``pause`` return False once the client has hung up or the
    server is closing, so a script stops early instead of outliving the test.
    ``sent`` counts the bytes the client's side accepted.
    """

    def __init__(self, connection: socket.socket, stop: threading.Event) -> None:
        self.connection = connection
        self.sent = 0
        self._stop = stop

    def receive(self) -> bytes:
        while not self._stop.is_set():
            try:
                return self.connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return b""
        return b""

    def read_request(self) -> Request | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.receive()
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        method, path, headers = _parse_head(head)
        length = next((int(v) for k, v in headers if k == "content-length"), 0)
        while len(body) < length:
            chunk = self.receive()
            if not chunk:
                break
            body += chunk
        return Request(method, path, headers, body)

    def send(self, data: bytes) -> bool:
        view = memoryview(data)
        while view:
            if self._stop.is_set():
                return False
            try:
                count = self.connection.send(view)
            except TimeoutError:  # the client is not reading (yet): wait, as a server would
                continue
            except OSError:
                return False
            self.sent += count
            view = view[count:]
        return True

    def pause(self, seconds: float) -> bool:
        return not self._stop.wait(seconds)

    def start_tls(self, context: ssl.SSLContext) -> bool:
        """Speak TLS from here on (after a proxy's CONNECT, or on a TLS server)."""
        self.connection.settimeout(5)  # the handshake is not a fault under test
        try:
            self.connection = context.wrap_socket(self.connection, server_side=True)
        except OSError:
            return False
        self.connection.settimeout(_POLL)
        return True

    def hang_up(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            return


Script = Callable[[Line], None]


def drip(answer: bytes, every: float = 2.0, count: int = 6) -> Script:
    """An answer whose first ``count`` bytes come one at a time, ``every`` seconds apart.

    The drip is finite (the rest follows at once) so that a client without an
    overall deadline gets its answer in the end, and a test of the deadline fails
    instead of hanging.
    """

    def script(line: Line) -> None:
        for index in range(min(count, len(answer))):
            if not (line.send(answer[index : index + 1]) and line.pause(every)):
                return
        if line.send(answer[count:]):
            line.hang_up()

    return script


def streamed(head: bytes, chunks: Iterable[bytes], every: float = 0.0) -> Script:
    """``head`` and then each of ``chunks`` (made as they are sent), ``every`` seconds apart."""

    def script(line: Line) -> None:
        if not line.send(head):
            return
        for chunk in chunks:
            if not (line.send(chunk) and (every <= 0 or line.pause(every))):
                return
        line.hang_up()

    return script


def chunked(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks`` in HTTP/1.1 chunked transfer coding, ending with the last chunk."""
    for chunk in chunks:
        yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    yield b"0\r\n\r\n"


Answer = bytes | Script | None


class FaultServer:
    def __init__(
        self, *answers: Answer, tls: ssl.SSLContext | None = None, raw: bool = False
    ) -> None:
        if not answers:
            raise ValueError("give at least one answer")
        if raw and not all(callable(answer) for answer in answers):
            raise ValueError("a raw server's answers are scripts")
        self._answers = list(answers)
        self._tls = tls
        self._raw = raw
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._lines: list[Line] = []
        self.requests: list[Request] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(_POLL)
        self.port: int = self._listener.getsockname()[1]
        scheme = "https" if tls else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"

    @property
    def lines(self) -> list[Line]:
        """Every connection accepted so far, in order."""
        with self._lock:
            return list(self._lines)

    def __enter__(self) -> FaultServer:
        self._start(self._accept_loop)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            for line in self._lines:
                line.connection.close()

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        count = 0
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            answer = self._answers[min(count, len(self._answers) - 1)]
            count += 1
            connection.settimeout(_POLL)
            line = Line(connection, self._stop)
            with self._lock:
                self._lines.append(line)
            self._start(self._serve, line, answer)

    def _serve(self, line: Line, answer: Answer) -> None:
        if self._raw and callable(answer):
            answer(line)
            return
        if self._tls is not None and not line.start_tls(self._tls):
            return
        request = line.read_request()
        if request is None:
            return
        with self._lock:
            self.requests.append(request)
        if answer is None:
            self._stop.wait()  # hold the connection open, silent, until the server closes
        elif callable(answer):
            answer(line)
        elif line.send(answer):
            line.hang_up()


def tls_pair(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 with a fresh self-signed certificate, and that
    certificate as a CA bundle file for the client."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "switcher test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file = directory / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca_file, key_file)
    return context, ca_file


@contextmanager
def refused_port() -> Iterator[int]:
    """A 127.0.0.1 port that refuses connections (bound, never listening)."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]
    finally:
        holder.close()


# Huge answers, produced as they are sent: never held in memory.

GIB = 1024**3


BLOCK = b" " * 65536


def blocks(total: int) -> Iterator[bytes]:
    """``total`` bytes of JSON whitespace, made as they are sent, never all at once."""
    for _ in range(total // len(BLOCK)):
        yield BLOCK


def zeros_gzipped(total: int) -> Iterator[bytes]:
    """A gzip stream of ``total`` zero bytes (about 1000:1), compressed as it is sent."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    for _ in range(total // len(zeros)):
        out = compressor.compress(zeros)
        if out:
            yield out
    yield compressor.flush()
