"""One app per user: a second launch asks the running app to show its window instead."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import time
import uuid
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from switcher.app_channel import MAX_LINE, InstanceLock
from switcher.gui.single_instance import InstanceServer, Reply, ask_running_instance_to_show


def test_a_second_launch_reaches_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    name = str(tmp_path / f"{uuid.uuid4().hex[:8]}.sock")
    assert ask_running_instance_to_show(name) is False
    server = InstanceServer(name)
    answered: list[bool] = []
    try:
        with qtbot.waitSignal(server.show_requested, timeout=3000):
            # The asker blocks for the answer, so it runs off this (the app's) thread.
            asker = threading.Thread(
                target=lambda: answered.append(ask_running_instance_to_show(name))
            )
            asker.start()
        qtbot.waitUntil(lambda: bool(answered), timeout=3000)
        asker.join()
        assert answered == [True]
    finally:
        server.close()
    assert ask_running_instance_to_show(name) is False


def test_the_instance_lock_admits_one_holder(tmp_path: Path) -> None:
    first, second = InstanceLock(tmp_path / "app.lock"), InstanceLock(tmp_path / "app.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


# -- the channel's socket, as any asker sees it ----------------------------------


def _asked(qtbot: QtBot, name: str, *chunks: bytes, read: bool = True) -> bytes:
    """What the app answers to ``chunks`` sent one by one, read off the app's thread."""
    got: list[bytes] = []

    def asker() -> None:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(name)
            for chunk in chunks:
                sock.sendall(chunk)
                time.sleep(0.05)
            answer = b""
            while read and (part := sock.recv(65536)):
                answer += part
            got.append(answer)

    thread = threading.Thread(target=asker)
    thread.start()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    thread.join()
    return got[0]


@pytest.fixture
def name(tmp_path: Path) -> str:
    return str(tmp_path / "app.sock")


def test_only_this_user_can_reach_the_channel_and_a_stale_socket_is_replaced(
    name: str, qtbot: QtBot
) -> None:
    Path(name).write_bytes(b"")  # left behind by an app that crashed
    server = InstanceServer(name)
    try:
        assert server.listening
        assert stat.S_ISSOCK(os.stat(name).st_mode)
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o600
    finally:
        server.close()
    assert not Path(name).exists()


def test_a_request_in_pieces_is_answered_once_its_line_is_whole(name: str, qtbot: QtBot) -> None:
    server = InstanceServer(name)
    server.handle("echo", lambda request, reply: reply(ok=True, said=request["said"]))
    try:
        answer = _asked(qtbot, name, b'{"v": 1, "op": "ec', b'ho", "said": "hi"}\n')
    finally:
        server.close()
    assert json.loads(answer) == {"v": 1, "ok": True, "said": "hi"}


def test_an_endless_line_or_an_unknown_op_is_refused_and_the_channel_stays_up(
    name: str, qtbot: QtBot
) -> None:
    server = InstanceServer(name)
    try:
        endless = json.loads(_asked(qtbot, name, b"x" * MAX_LINE))
        unknown = json.loads(_asked(qtbot, name, b'{"v": 1, "op": "format-disk"}\n'))
        assert ask_running_instance_to_show(name) is False  # unanswered: show is not handled
    finally:
        server.close()
    assert endless["ok"] is False and endless["unsupported"] is True
    assert unknown["ok"] is False and unknown["unsupported"] is True


def test_an_answer_larger_than_the_socket_buffer_arrives_whole(name: str, qtbot: QtBot) -> None:
    server = InstanceServer(name)
    big = "x" * 2_000_000  # far beyond a Unix socket's buffer: sent as the asker reads
    server.handle("big", lambda request, reply: reply(ok=True, big=big))
    try:
        answer = _asked(qtbot, name, b'{"v": 1, "op": "big"}\n')
    finally:
        server.close()
    assert json.loads(answer)["big"] == big


def test_an_asker_that_gave_up_gets_nothing_and_breaks_nothing(name: str, qtbot: QtBot) -> None:
    server = InstanceServer(name)
    replies: list[Reply] = []
    server.handle("slow", lambda request, reply: replies.append(reply))
    try:
        _asked(qtbot, name, b'{"v": 1, "op": "slow"}\n', read=False)  # and closes
        qtbot.waitUntil(lambda: bool(replies), timeout=5000)
        qtbot.waitUntil(lambda: not server._connections, timeout=5000)
        replies[0](ok=True)  # the job finished after the asker left
        server.handle("show", lambda request, reply: reply(ok=True))
        answered: list[bool] = []
        thread = threading.Thread(
            target=lambda: answered.append(ask_running_instance_to_show(name))
        )
        thread.start()
        qtbot.waitUntil(lambda: bool(answered), timeout=5000)
        thread.join()
    finally:
        server.close()
    assert answered == [True]
