#!/usr/bin/python3
"""Closes X11 windows the way a window manager does when the user clicks the close button: a
WM_DELETE_WINDOW message (the app gets a close request), not a kill.

    close_window.py WINDOW_ID...
"""

import sys

from Xlib import X, display, protocol


def main():
    d = display.Display()
    delete = d.intern_atom("WM_DELETE_WINDOW")
    protocols = d.intern_atom("WM_PROTOCOLS")
    for wid in sys.argv[1:]:
        w = d.create_resource_object("window", int(wid, 0))
        event = protocol.event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
        w.send_event(event, event_mask=X.NoEventMask)
    d.flush()
    d.close()


if __name__ == "__main__":
    main()
