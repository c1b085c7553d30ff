"""The kiosk's typed operations: each runs on its worker thread and answers through its own
callbacks, on the GUI thread, in the order submitted."""

from __future__ import annotations

import threading

from plateau.errors import UserError
from plateau.station.ui.worker import DbWorker, KioskOp


def test_each_operation_answers_through_its_own_callbacks_on_the_gui_thread(qtbot):
    worker = DbWorker("kiosk-test")
    worker.start()
    try:
        ran_on, answers = [], []

        def work(n):
            ran_on.append(threading.current_thread() is threading.main_thread())
            if n == 2:
                raise UserError("this card is already declared lost")
            if n == 3:
                raise KeyError("a bug")
            return n * 10

        for n in (1, 2, 3, 4):
            KioskOp(worker, lambda n=n: work(n)) \
                .success(lambda result, n=n: answers.append((n, "success", result,
                                                             threading.current_thread() is threading.main_thread()))) \
                .failure(lambda failure, n=n: answers.append((n, "failure", failure.for_a_person, failure.message))) \
                .run()
        KioskOp(worker, lambda: work(5)).run()   # no callbacks: the answer is dropped quietly
        qtbot.waitUntil(lambda: len(answers) == 4, timeout=5000)
        qtbot.wait(50)
    finally:
        worker.stop()
    assert ran_on == [False] * 5
    assert answers == [(1, "success", 10, True),
                       (2, "failure", True, "this card is already declared lost"),
                       (3, "failure", False, "KeyError: 'a bug'"),
                       (4, "success", 40, True)]
