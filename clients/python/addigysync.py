"""Client for the AddigySync daemon: JSON-RPC 2.0 over a Unix domain socket.

The daemon reads and writes one compact JSON message per line. A connection may send many
requests without waiting, replies can come back in any order, and server notifications (messages
without an id) arrive between replies. ``Client`` matches replies to requests by id and queues
notifications until ``Client.notifications`` reads them.

Standard library only, Python 3.9 or later::

    with Client() as client:
        print(client.call("server.info"))
        page = client.call("companies.list", limit=10)

A ``Client`` is not thread-safe. Use one per thread.
"""

import collections
import errno
import json
import os
import select
import socket
import time
from typing import (
    Any,
    Callable,
    Deque,
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Set,
    Tuple,
    Type,
    Union,
)

__all__ = [
    "Client",
    "Notification",
    "default_socket_path",
    "default_state_dir",
    "AddigySyncError",
    "ConnectError",
    "DaemonNotRunning",
    "ConnectionClosed",
    "RequestTimeout",
    "AccessKeyError",
    "ProtocolError",
    "RPCError",
    "ParseError",
    "InvalidRequest",
    "MethodNotFound",
    "InvalidParams",
    "InternalError",
    "TooManySubscriptions",
    "MessageTooLarge",
    "ServerBusy",
    "BatchTooLarge",
    "NotAuthenticated",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PreconditionFailed",
    "AddigyRequestFailed",
]

SOCKET_NAME = "addigysync.sock"
DEFAULT_KEY_FILE_NAME = "default-tenant.key"

# The largest recv() per read. Replies longer than this arrive over several reads.
_READ_CHUNK_BYTES = 1 << 16


# MARK: Paths


def default_socket_path(environ: Optional[Dict[str, str]] = None) -> str:
    """Return the socket path the daemon listens on when started with the same environment.

    The order is ``$ADDIGYSYNC_SOCKET``, then ``$XDG_RUNTIME_DIR/addigysync.sock``, then
    ``/tmp/addigysync-<uid>/addigysync.sock``. Empty variables count as unset, as in the daemon.
    """
    env = os.environ if environ is None else environ
    explicit = env.get("ADDIGYSYNC_SOCKET")
    if explicit:
        return explicit
    return _daemon_default_socket_path(env)


def _daemon_default_socket_path(env: Dict[str, str]) -> str:
    """Return the path that ``addigysyncd`` without ``--socket`` or ``$ADDIGYSYNC_SOCKET`` uses."""
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, SOCKET_NAME)
    return "/tmp/addigysync-{}/{}".format(os.getuid(), SOCKET_NAME)


def default_state_dir(environ: Optional[Dict[str, str]] = None) -> str:
    """Return the daemon's state folder when started with the same environment.

    The order is ``$ADDIGYSYNC_STATE_DIR``, then ``$XDG_STATE_HOME/addigysync``, then
    ``$HOME/.local/state/addigysync``.
    """
    env = os.environ if environ is None else environ
    explicit = env.get("ADDIGYSYNC_STATE_DIR")
    if explicit:
        return explicit
    state_home = env.get("XDG_STATE_HOME")
    if state_home:
        return os.path.join(state_home, "addigysync")
    home = env.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".local", "state", "addigysync")


# MARK: Errors


class AddigySyncError(Exception):
    """Base class of every error this module raises."""


class ConnectError(AddigySyncError, ConnectionError):
    """The client could not connect to the daemon's socket."""

    def __init__(self, message: str, socket_path: str) -> None:
        super().__init__(message)
        self.socket_path = socket_path


class DaemonNotRunning(ConnectError):
    """No daemon listens on the socket: the file is missing, or it is left over from a stopped daemon."""


class ConnectionClosed(AddigySyncError, ConnectionError):
    """The daemon closed the connection, or the client was closed."""


class RequestTimeout(AddigySyncError, TimeoutError):
    """No reply arrived within the timeout. The request may still run in the daemon."""


class AccessKeyError(AddigySyncError):
    """No access key was given and none could be read from a key file."""


class ProtocolError(AddigySyncError):
    """The daemon sent a line that is not a JSON-RPC 2.0 message."""


class RPCError(AddigySyncError):
    """An error reply from the daemon.

    ``code`` is the JSON-RPC error code, ``message`` the text for people and ``data`` the
    machine-readable details (such as ``field`` or ``reason``), or ``None`` when the reply has none.
    ``method`` is the request's method when the client knows it. ``Client`` raises the subclass
    registered for the code, or ``RPCError`` itself for a code this module does not know.
    """

    code = 0
    _by_code: Dict[int, Type["RPCError"]] = {}

    def __init__(self, code: int, message: str, data: Any = None, method: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.method = method

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only this module's classes map codes, so a caller's own subclass never replaces one.
        if cls.__module__ == __name__:
            RPCError._by_code[cls.code] = cls

    def __str__(self) -> str:
        where = " from {}".format(self.method) if self.method else ""
        return "{} (error {}{})".format(self.message, self.code, where)

    @classmethod
    def from_reply(cls, error: Any, method: Optional[str] = None) -> "RPCError":
        """Build the exception for the ``error`` member of a reply."""
        if not isinstance(error, dict) or not isinstance(error.get("code"), int):
            raise ProtocolError("The daemon sent an error reply without an integer code: {!r}".format(error))
        code = error["code"]
        message = error.get("message")
        if not isinstance(message, str):
            message = "error {}".format(code)
        subclass = RPCError._by_code.get(code, RPCError)
        return subclass(code, message, error.get("data"), method)


# One subclass per code in protocol/error-codes.json, with the same names.


class ParseError(RPCError):
    """-32700: the line is not valid JSON. The connection stays open."""

    code = -32700


class InvalidRequest(RPCError):
    """-32600: not a valid request object, or an empty batch."""

    code = -32600


class MethodNotFound(RPCError):
    """-32601: no method has that name."""

    code = -32601


class InvalidParams(RPCError):
    """-32602: a param is missing, unknown, mistyped or out of range. ``data["field"]`` names it."""

    code = -32602


class InternalError(RPCError):
    """-32603: the daemon failed. ``data["ref"]`` matches a line in the daemon's log."""

    code = -32603


class TooManySubscriptions(RPCError):
    """-32006: the connection has as many subscriptions as allowed."""

    code = -32006


class MessageTooLarge(RPCError):
    """-32007: a line passed the daemon's size limit. The daemon closes the connection."""

    code = -32007


class ServerBusy(RPCError):
    """-32009: the daemon's connection limit is reached. The daemon closes the connection."""

    code = -32009


class BatchTooLarge(RPCError):
    """-32010: a batch contains more than 1000 messages."""

    code = -32010


class NotAuthenticated(RPCError):
    """4001: the connection is not authenticated, or the access key is wrong."""

    code = 4001


class Forbidden(RPCError):
    """4003: an admin method from a peer that is neither root nor the daemon's user."""

    code = 4003


class NotFound(RPCError):
    """4004: no object with that id in this tenant."""

    code = 4004


class Conflict(RPCError):
    """4009: the change clashes with existing data, such as a taken name."""

    code = 4009


class PreconditionFailed(RPCError):
    """4012: something must be done first. The message names the step."""

    code = 4012


class AddigyRequestFailed(RPCError):
    """5020: Addigy rejected or failed a request. ``data["reason"]`` gives the cause."""

    code = 5020


# MARK: Messages


class Notification(NamedTuple):
    """A message from the daemon without an id: an event such as ``sync.progress``."""

    method: str
    params: Any


Params = Optional[Dict[str, Any]]
BatchCall = Union[str, Tuple[str], Tuple[str, Params]]


def _merge_params(params: Params, named: Dict[str, Any]) -> Params:
    """Combine a params dict and keyword params. Return ``None`` when there are none."""
    if params is not None and not isinstance(params, dict):
        raise TypeError("params must be a dict of named params, not {}".format(type(params).__name__))
    if not named:
        return params
    merged = dict(params or {})
    merged.update(named)
    return merged


def _encode_line(message: Any) -> bytes:
    """Encode one message as compact JSON and a newline.

    Raises ValueError for values that strict JSON cannot represent: NaN, infinities and
    strings with lone surrogates.
    """
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8") + b"\n"


# MARK: Client


class Client:
    """A connection to the AddigySync daemon.

    The constructor connects and, unless ``authenticate`` is false, calls ``session.authenticate``.
    The socket path is ``socket_path``, else ``default_socket_path()``. The access key is the first
    of: ``access_key``, the contents of ``key_file``, ``$ADDIGYSYNC_ACCESS_KEY``, and
    ``default-tenant.key`` in ``state_dir`` (default ``default_state_dir()``).

    ``timeout`` is the default number of seconds to wait for a reply, or ``None`` to wait without
    limit. ``trace``, when given, is called with ``("send", line)`` or ``("recv", line)`` for every
    raw line, without its newline. Sent lines contain access keys and API tokens, so never log them
    where others can read them.

    Raises DaemonNotRunning when no daemon listens on the socket, ConnectError when the socket
    cannot be reached for another reason, AccessKeyError when no key can be found, and
    NotAuthenticated when the daemon rejects the key.
    """

    def __init__(
        self,
        socket_path: Optional[str] = None,
        *,
        access_key: Optional[str] = None,
        key_file: Optional[str] = None,
        state_dir: Optional[str] = None,
        authenticate: bool = True,
        timeout: Optional[float] = 30.0,
        trace: Optional[Callable[[str, bytes], None]] = None,
    ) -> None:
        self.socket_path = socket_path or default_socket_path()
        self.timeout = timeout
        self.session: Optional[Dict[str, Any]] = None
        self._trace = trace
        self._next_id = 1
        self._buffer = bytearray()
        self._replies: Dict[Any, Dict[str, Any]] = {}
        self._methods: Dict[Any, str] = {}
        self._abandoned: Set[Any] = set()
        # Errors that belong to no request: invalid lines and error replies with a null id.
        self._pending_errors: Deque[AddigySyncError] = collections.deque()
        self._notifications: Deque[Notification] = collections.deque()
        self._closed_reason: Optional[str] = None
        self._sock = self._connect(self.socket_path)
        if authenticate:
            try:
                self.authenticate(access_key=access_key, key_file=key_file, state_dir=state_dir)
            except BaseException:
                self.close()
                raise

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection. Later calls raise ConnectionClosed. Closing twice is harmless."""
        if self._closed_reason is None:
            self._closed_reason = "The client closed this connection."
        try:
            self._sock.close()
        except OSError:
            pass

    # MARK: Connecting and authenticating

    @staticmethod
    def _connect(path: str) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as error:
            sock.close()
            raise _connect_error(path, error) from error
        sock.setblocking(False)
        return sock

    def authenticate(
        self,
        access_key: Optional[str] = None,
        key_file: Optional[str] = None,
        state_dir: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Call ``session.authenticate`` and return its result, also kept in ``self.session``.

        The key is chosen as in the constructor. Calling it again switches the connection to the
        tenant of the new key. When the daemon rejects the key, ``self.session`` is unchanged,
        because addigysyncd 0.1.0 keeps the connection bound to its previous tenant.
        """
        key = access_key or self._read_access_key(key_file, state_dir)
        self.session = self.call("session.authenticate", accessKey=key.strip())
        return self.session

    def _read_access_key(self, key_file: Optional[str], state_dir: Optional[str]) -> str:
        if key_file:
            return _read_key_file(key_file, hint="")
        from_environment = os.environ.get("ADDIGYSYNC_ACCESS_KEY", "").strip()
        if from_environment:
            return from_environment
        path = os.path.join(state_dir or default_state_dir(), DEFAULT_KEY_FILE_NAME)
        return _read_key_file(path, hint=self._state_dir_hint(path))

    def _state_dir_hint(self, tried_path: str) -> str:
        """Return a sentence naming the daemon's own key file when it differs from ``tried_path``."""
        try:
            reported = self.call("server.info").get("stateDir")
        except AddigySyncError:
            return ""
        if not isinstance(reported, str):
            return ""
        daemon_path = os.path.join(reported, DEFAULT_KEY_FILE_NAME)
        if os.path.abspath(daemon_path) == os.path.abspath(tried_path):
            return ""
        return " The daemon reports its state folder as {}, so its key file is {}.".format(reported, daemon_path)

    # MARK: Requests

    def call(self, method: str, params: Params = None, /, **named: Any) -> Dict[str, Any]:
        """Send one request, wait for its reply and return the result.

        Params may be given as a dict, as keyword arguments, or both. Raises the RPCError
        subclass for the error code when the daemon replies with an error, RequestTimeout when
        no reply arrives within ``self.timeout`` seconds, and ConnectionClosed when the
        connection ends first.
        """
        request_id = self.send(method, params, **named)
        try:
            return self.wait(request_id)
        except AddigySyncError:
            self._abandon(request_id)
            raise

    def send(self, method: str, params: Params = None, /, **named: Any) -> int:
        """Send one request without waiting and return its id for ``wait``.

        Pipelined requests run concurrently in the daemon, so their replies may arrive in any
        order. While this method writes, it also reads and queues whatever the daemon sends. So
        pipelining many requests does not deadlock against the daemon's backpressure, which
        pauses reading requests until the client reads its replies.
        """
        request_id = self._allocate_id()
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        merged = _merge_params(params, named)
        if merged is not None:
            message["params"] = merged
        line = _encode_line(message)
        self._methods[request_id] = method
        try:
            self._write(line)
        except AddigySyncError:
            self._methods.pop(request_id, None)
            raise
        return request_id

    def wait(self, request_id: Any, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Wait for the reply to ``request_id`` and return its result.

        ``timeout`` defaults to ``self.timeout``. Replies to other requests and notifications
        that arrive first are queued. Errors that belong to no request are raised here first, in
        the order they arrived: an error reply with ``"id": null`` (such as ServerBusy) as its
        RPCError subclass, and an invalid line as ProtocolError. The reply stays queued, so
        calling ``wait`` again returns it.
        """
        deadline = self._deadline(timeout)
        while True:
            self._raise_pending_error()
            reply = self._replies.pop(request_id, None)
            if reply is not None:
                return self._result_of(reply, self._methods.pop(request_id, None))
            if not self._read_some(deadline):
                method = self._methods.get(request_id, "request")
                raise RequestTimeout(
                    "Request {} (id {}) timed out after {} seconds without a reply.".format(
                        method, request_id, self._timeout_text(timeout)
                    )
                )

    def notify(self, method: str, params: Params = None, /, **named: Any) -> None:
        """Send a notification: a request without an id. The daemon sends no reply, even on failure."""
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        merged = _merge_params(params, named)
        if merged is not None:
            message["params"] = merged
        self._write(_encode_line(message))

    def batch(
        self,
        calls: Iterable[BatchCall],
        *,
        return_exceptions: bool = False,
        timeout: Optional[float] = None,
    ) -> List[Any]:
        """Send requests as one JSON-RPC batch and return their results in the order of ``calls``.

        Each call is a method name, or a ``(method,)`` or ``(method, params)`` tuple. The daemon
        runs the elements concurrently, so one must not rely on another's changes. When an element
        fails, the first failure in order is raised after all replies are in, unless
        ``return_exceptions`` is true, in which case its RPCError takes the result's place. The
        daemon accepts at most 1000 elements (BatchTooLarge).
        """
        messages = []
        ids = []
        for call in calls:
            method, params = _unpack_call(call)
            request_id = self._allocate_id()
            message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
            if params is not None:
                message["params"] = params
            messages.append(message)
            ids.append(request_id)
            self._methods[request_id] = method
        if not messages:
            raise ValueError("A batch needs at least one call; the daemon rejects an empty batch.")
        self._write(_encode_line(messages))

        deadline = self._deadline(timeout)
        try:
            while not all(request_id in self._replies for request_id in ids):
                self._raise_pending_error()
                if not self._read_some(deadline):
                    raise RequestTimeout(
                        "A batch of {} requests timed out after {} seconds without a complete reply.".format(
                            len(ids), self._timeout_text(timeout)
                        )
                    )
        except AddigySyncError:
            for request_id in ids:
                self._abandon(request_id)
            raise

        results: List[Any] = []
        first_error: Optional[RPCError] = None
        for request_id in ids:
            try:
                results.append(self._result_of(self._replies.pop(request_id), self._methods.pop(request_id, None)))
            except RPCError as error:
                results.append(error)
                first_error = first_error or error
        if first_error is not None and not return_exceptions:
            raise first_error
        return results

    def paginate(self, method: str, params: Params = None, /, **named: Any) -> Iterator[Any]:
        """Yield every item of a list method, following ``nextCursor`` from page to page."""
        merged = dict(_merge_params(params, named) or {})
        while True:
            page = self.call(method, merged)
            for item in page.get("items", []):
                yield item
            cursor = page.get("nextCursor")
            if not cursor:
                return
            merged["cursor"] = cursor

    def notifications(self, timeout: Optional[float] = None) -> Iterator[Notification]:
        """Yield notifications from the daemon as they arrive, queued ones first.

        The iterator ends when no notification arrives within ``timeout`` seconds of the last
        one; with ``None`` it waits without limit. Replies that arrive meanwhile are kept for
        ``wait``. Raises ConnectionClosed when the daemon closes the connection, and errors that
        belong to no request as ``wait`` does.
        """
        while True:
            self._raise_pending_error()
            if self._notifications:
                yield self._notifications.popleft()
                continue
            if not self._read_some(self._deadline(timeout, use_default=False)):
                return

    # MARK: Reading and writing

    def _allocate_id(self) -> int:
        request_id = self._next_id
        self._next_id += 1
        return request_id

    def _abandon(self, request_id: Any) -> None:
        """Forget a request whose caller stopped waiting, so that its reply is dropped when it comes."""
        if self._methods.pop(request_id, None) is None:
            return  # The reply was already consumed.
        if self._replies.pop(request_id, None) is None:
            self._abandoned.add(request_id)

    def _deadline(self, timeout: Optional[float], use_default: bool = True) -> Optional[float]:
        if timeout is None and use_default:
            timeout = self.timeout
        return None if timeout is None else time.monotonic() + timeout

    def _timeout_text(self, timeout: Optional[float]) -> str:
        return str(self.timeout if timeout is None else timeout)

    def _check_open(self) -> None:
        if self._closed_reason is not None:
            raise ConnectionClosed(self._closed_reason)

    def _write(self, data: bytes) -> None:
        """Write all of ``data``, reading and queuing incoming lines while the socket is full.

        When the daemon accepts no bytes for ``self.timeout`` seconds, the connection is closed,
        because a partly written line cannot be taken back, and RequestTimeout is raised.
        """
        self._check_open()
        if self._trace is not None:
            self._trace("send", data[:-1])
        view = memoryview(data)
        while view:
            readable, writable, _ = select.select([self._sock], [self._sock], [], self.timeout)
            if not readable and not writable:
                self._mark_closed("The connection was closed because a send timed out.")
                raise RequestTimeout(
                    "Sending to the daemon timed out after {} seconds, so the connection was closed.".format(
                        self.timeout
                    )
                )
            if readable:
                self._read_available()
            if writable:
                try:
                    sent = self._sock.send(view)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as error:
                    self._fail_send(error)
                view = view[sent:]

    def _fail_send(self, error: OSError) -> None:
        """Raise the daemon's unmatched error reply when a send fails, else ConnectionClosed.

        A daemon that rejects a connection (ServerBusy) replies with an error and closes it at
        once, so that error may still be unread when the send fails.
        """
        try:
            while self._read_available():
                pass
        except ConnectionClosed:
            pass
        if self._closed_reason is None:
            self._mark_closed("The connection failed while sending: {}.".format(error))
        self._raise_pending_error()
        raise ConnectionClosed(self._closed_reason) from error

    def _read_some(self, deadline: Optional[float]) -> bool:
        """Read whatever arrives before ``deadline`` and dispatch complete lines.

        Returns False when the deadline passed with nothing read.
        """
        self._check_open()
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        readable, _, _ = select.select([self._sock], [], [], remaining)
        if not readable:
            return False
        self._read_available()
        return True

    def _read_available(self) -> bool:
        """Read one chunk without blocking and dispatch its complete lines.

        Returns False when no data was waiting. Raises ConnectionClosed at the end of the stream.
        """
        try:
            chunk = self._sock.recv(_READ_CHUNK_BYTES)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as error:
            self._mark_closed("The connection failed while reading: {}.".format(error))
            raise ConnectionClosed(self._closed_reason) from error
        if not chunk:
            self._mark_closed(self._closing_message())
            raise ConnectionClosed(self._closed_reason)
        self._buffer += chunk
        # Split on the newline byte only: U+2028 and U+0085 are valid inside JSON strings.
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if line.endswith(b"\r"):
                line = line[:-1]
            if line.strip():
                self._dispatch_line(line)
        return True

    def _closing_message(self) -> str:
        """Describe why the daemon closed the connection, naming the pending error if there is one."""
        if self._pending_errors:
            return "The daemon closed the connection after this error: {}".format(self._pending_errors[0])
        return "The daemon closed the connection."

    def _mark_closed(self, reason: str) -> None:
        self._closed_reason = reason
        try:
            self._sock.close()
        except OSError:
            pass

    def _dispatch_line(self, line: bytes) -> None:
        """Queue the message or messages on one line as replies, notifications or pending errors."""
        if self._trace is not None:
            self._trace("recv", line)
        try:
            message = json.loads(line.decode("utf-8"))
        except ValueError as error:  # Includes UnicodeDecodeError.
            invalid = ProtocolError("The daemon sent a line that is not valid JSON: {}".format(error))
            self._pending_errors.append(invalid)
            return
        for element in message if isinstance(message, list) else [message]:
            try:
                self._dispatch_message(element)
            except AddigySyncError as error:
                self._pending_errors.append(error)

    def _dispatch_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            raise ProtocolError("The daemon sent a message that is not an object: {!r}".format(message))
        if "id" not in message:
            if not isinstance(message.get("method"), str):
                raise ProtocolError("The daemon sent a message with neither an id nor a method: {!r}".format(message))
            self._notifications.append(Notification(message["method"], message.get("params")))
            return
        request_id = message["id"]
        if request_id is None:
            # NOTE: a reply with a null id cannot be matched, so the next waiter raises it. This
            # client sends only valid requests with ids, so such a reply means a connection-level
            # error (ServerBusy, MessageTooLarge) or a daemon fault.
            raise RPCError.from_reply(message.get("error"))
        if request_id in self._abandoned:
            self._abandoned.discard(request_id)
        else:
            self._replies[request_id] = message

    def _raise_pending_error(self) -> None:
        if self._pending_errors:
            raise self._pending_errors.popleft()

    @staticmethod
    def _result_of(reply: Dict[str, Any], method: Optional[str]) -> Any:
        if "error" in reply:
            raise RPCError.from_reply(reply["error"], method)
        if "result" not in reply:
            raise ProtocolError("The daemon sent a reply with neither a result nor an error: {!r}".format(reply))
        return reply["result"]


# MARK: Helpers


def _unpack_call(call: BatchCall) -> Tuple[str, Params]:
    if isinstance(call, str):
        return call, None
    if isinstance(call, tuple) and len(call) == 1 and isinstance(call[0], str):
        return call[0], None
    if isinstance(call, tuple) and len(call) == 2 and isinstance(call[0], str):
        return call[0], _merge_params(call[1], {})
    raise TypeError("A batch call must be a method name or a (method, params) tuple, not {!r}".format(call))


def _connect_error(path: str, error: OSError) -> ConnectError:
    """Turn a failed connect() into an error that names the next step."""
    if path == _daemon_default_socket_path(os.environ):
        start = "addigysyncd"
    else:
        start = "addigysyncd --socket {}".format(path)
    if error.errno == errno.ENOENT:
        return DaemonNotRunning(
            "The AddigySync daemon is not running: the socket {} does not exist. "
            "Start the daemon with `{}`, or pass the socket path it listens on.".format(path, start),
            path,
        )
    if error.errno == errno.ECONNREFUSED:
        return DaemonNotRunning(
            "The AddigySync daemon is not running: nothing accepts connections on {}, "
            "which is left over from a stopped daemon or is not a socket. "
            "Start the daemon with `{}`.".format(path, start),
            path,
        )
    if error.errno in (errno.EACCES, errno.EPERM):
        return ConnectError(
            "Permission denied connecting to {}. The socket admits only the daemon's user and, when "
            "the daemon runs with --socket-group, that group. Run as one of them.".format(path),
            path,
        )
    return ConnectError(
        "Connecting to the AddigySync daemon at {} failed: {}.".format(path, error.strerror or error), path
    )


def _read_key_file(path: str, hint: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            key = handle.read().strip()
    except FileNotFoundError:
        raise AccessKeyError(
            "No access key given and the key file {} does not exist.{} Pass access_key or key_file, "
            "or set ADDIGYSYNC_ACCESS_KEY or ADDIGYSYNC_STATE_DIR.".format(path, hint)
        ) from None
    except OSError as error:
        raise AccessKeyError("Reading the key file {} failed: {}.".format(path, error.strerror or error)) from error
    if not key:
        raise AccessKeyError(
            "The key file {} is empty. Write the access key into it, or pass another key.".format(path)
        )
    return key
