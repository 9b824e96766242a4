#!/usr/bin/python3
"""What a screen reader gets from the real window: the app's AT-SPI tree, as Orca reads it.

Prints one JSON object: {"apps": [names of the desktop's applications], "nodes": [...]} where each
node of the app whose name contains APP (depth first, in reading order) is
{"role", "name", "description", "states", "depth", "live", "text"}.

Run inside the test's own D-Bus session (the accessibility bus is started from it). Exits 2 when
no such application shows up within the timeout.

    atspi.py APP [--pid PID] [--until NAME] [--timeout SECONDS] [--max-nodes N]
"""

import argparse
import json
import sys
import time

import pyatspi


def attributes(acc):
    try:
        return dict(a.split(":", 1) for a in acc.getAttributes() if ":" in a)
    except Exception:
        return {}


def text_of(acc):
    try:
        t = acc.queryText()
        return t.getText(0, min(t.characterCount, 300))
    except Exception:
        return None


def walk(acc, depth, out, limit):
    if acc is None or len(out) >= limit:
        return
    try:
        states = acc.getState()
        node = {
            "role": acc.getRoleName(),
            "name": acc.name or "",
            "description": acc.description or "",
            "states": sorted(pyatspi.stateToString(s) for s in states.getStates()),
            "depth": depth,
            "live": attributes(acc).get("container-live") or attributes(acc).get("live"),
        }
        if node["role"] in ("heading", "status", "status bar", "timer", "label", "alert"):
            node["text"] = text_of(acc)
        out.append(node)
        for i in range(acc.childCount):
            walk(acc.getChildAtIndex(i), depth + 1, out, limit)
    except Exception as e:  # a node went away while it was read: say so, go on
        out.append({"role": "gone", "name": str(e), "depth": depth, "states": []})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("app")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--max-nodes", type=int, default=3000)
    ap.add_argument("--pid", type=int, help="only the application of this process")
    ap.add_argument("--until", help="keep reading until a node has this name (the page has loaded)")
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout
    names = []
    while True:
        desktop = pyatspi.Registry.getDesktop(0)
        names = []
        target = None
        for i in range(desktop.childCount):
            try:
                app = desktop.getChildAtIndex(i)
                name = app.name if app is not None else None
            except Exception:  # an application that went away meanwhile
                continue
            if app is None:
                continue
            names.append(name)
            if args.app.lower() in (name or "").lower():
                try:
                    pid = app.get_process_id()
                except Exception:
                    pid = None
                if args.pid is None or pid == args.pid:
                    target = app
        if target is not None:
            nodes = []
            walk(target, 0, nodes, args.max_nodes)
            if args.until is None or any(n["name"] == args.until for n in nodes) or time.monotonic() > deadline:
                print(json.dumps({"apps": names, "nodes": nodes}))
                return 0
        if time.monotonic() > deadline:
            print(json.dumps({"apps": names, "nodes": []}))
            return 2
        time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(main())
