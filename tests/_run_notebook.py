"""Executes a notebook on a Jupyter kernel, cell by cell, and writes it back with its outputs.

    python3 tests/_run_notebook.py KERNEL NOTEBOOK [SECONDS_PER_CELL]

Exits with 1 (the notebook written up to the failing cell) when a cell fails, with 2 when a
cell or the kernel does not answer in time.

Why not `jupyter nbconvert --execute`: Deno's kernel (2.x, cli/js/jupyter_kernel.js) publishes
what a cell prints and displays, and its result, from a queue that it drains in the
background, while it sends the cell's reply and its "idle" status directly. On a busy machine
an output can come after "idle"; nbconvert (like every frontend) stops listening to a cell at
"idle", so the output is dropped: a chart, a table or a printed line missing, in a different
cell each time. Here each cell is followed by a marker cell that prints a unique line through
the same queue, so every output of the cell is published before the marker: the cell's outputs
are complete when the marker arrives, however late. The kernel labels a queued output with the
request it is handling when it sends it, so outputs labelled with the marker cell are the
cell's too.
"""

import json
import os
import sys
import time
import uuid
from queue import Empty

from jupyter_client.manager import KernelManager


class TimedOut(Exception):
    pass


def next_message(get, deadline):
    """The next message of a channel (`get` is the client's get_*_msg), or TimedOut."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimedOut()
    try:
        return get(timeout=left)
    except Empty:
        raise TimedOut() from None


class Outputs:
    """A cell's outputs in nbformat's shape, with displays updated in place by id."""

    def __init__(self):
        self.list = []
        self.by_display_id = {}

    def add(self, msg_type, content):
        display_id = (content.get("transient") or {}).get("display_id")
        if msg_type == "update_display_data":
            for out in self.by_display_id.get(display_id, []):
                out["data"], out["metadata"] = content["data"], content.get("metadata", {})
            return
        if msg_type == "clear_output":
            self.list, self.by_display_id = [], {}
            return
        if msg_type == "stream":
            last = self.list[-1] if self.list else None
            if last and last["output_type"] == "stream" and last["name"] == content["name"]:
                last["text"] += content["text"]
            else:
                self.list.append(
                    {"output_type": "stream", "name": content["name"], "text": content["text"]}
                )
            return
        if msg_type in ("display_data", "execute_result"):
            out = {"output_type": msg_type, "data": content["data"],
                   "metadata": content.get("metadata", {})}
            if msg_type == "execute_result":
                out["execution_count"] = content.get("execution_count")
            self.list.append(out)
            if display_id:
                self.by_display_id.setdefault(display_id, []).append(out)
            return
        if msg_type == "error":
            self.list.append({"output_type": "error", "ename": content["ename"],
                              "evalue": content["evalue"], "traceback": content["traceback"]})


def run_cell(kc, source, seconds):
    """Runs one cell; returns its reply's content and its outputs."""
    deadline = time.monotonic() + seconds
    outputs = Outputs()
    cell_id = kc.execute(source, allow_stdin=False)
    # Until the cell's idle status: the reply has been sent by then.
    while True:
        msg = next_message(kc.get_iopub_msg, deadline)
        if msg["parent_header"].get("msg_id") != cell_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break
        else:
            outputs.add(msg["msg_type"], msg["content"])
    while True:
        reply = next_message(kc.get_shell_msg, deadline)
        if reply["parent_header"].get("msg_id") == cell_id:
            break
    # The marker: the cell's late outputs come before it.
    marker = f"netsweep-cell-end-{uuid.uuid4().hex}"
    marker_id = kc.execute(f"console.log({json.dumps(marker)})", store_history=False,
                           allow_stdin=False)
    seen_marker = marker_idle = False
    while not (seen_marker and marker_idle):
        msg = next_message(kc.get_iopub_msg, deadline)
        parent = msg["parent_header"].get("msg_id")
        if parent not in (cell_id, marker_id):
            continue
        msg_type, content = msg["msg_type"], msg["content"]
        if msg_type == "status":
            marker_idle |= parent == marker_id and content["execution_state"] == "idle"
            continue
        if msg_type == "execute_input":
            continue
        if msg_type == "stream" and marker in content["text"]:
            seen_marker = True
            rest = content["text"].replace(marker + "\n", "").replace(marker, "")
            if not rest:
                continue
            content = dict(content, text=rest)
        outputs.add(msg_type, content)
    while True:
        msg = next_message(kc.get_shell_msg, deadline)
        if msg["parent_header"].get("msg_id") == marker_id:
            break
    return reply["content"], outputs.list


def main():
    kernel, path = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    km = KernelManager(kernel_name=kernel)
    km.start_kernel(cwd=os.path.dirname(os.path.abspath(path)))
    kc = km.client()
    kc.start_channels()
    status = 0
    try:
        kc.wait_for_ready(timeout=seconds)
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                reply, outputs = run_cell(kc, source, seconds)
            except TimedOut:
                print(f"{path}: cell {index} did not finish within {seconds:g} s", file=sys.stderr)
                status = 2
                break
            cell["outputs"] = outputs
            cell["execution_count"] = reply.get("execution_count")
            if reply.get("status") != "ok":
                print(f"{path}: cell {index} failed: {reply.get('ename', '')}: "
                      f"{reply.get('evalue', '')}", file=sys.stderr)
                status = 1
                break
    except RuntimeError as err:  # the kernel did not start
        print(f"{path}: {err}", file=sys.stderr)
        status = 2
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
    sys.exit(status)


if __name__ == "__main__":
    main()
