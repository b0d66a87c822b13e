"""Uses threads."""

import threading


def start(fn):
    worker = threading.Thread(target=fn)
    worker.start()
    return worker
