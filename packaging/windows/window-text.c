/* window-text.exe TITLE: prints the text of each control in the top-level windows titled TITLE (one
 * line each, UTF-8), or exits 1 when there is none. Trailing spaces of a title are ignored: NSIS
 * appends its page's subcaption (a space, with Modern UI). The installer test reads message boxes
 * and installer pages with it, under Wine and on Windows alike: a message box's text is a static
 * control of its dialog. Test tool only, never shipped. */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

static const wchar_t *wanted;
static int found;

static BOOL CALLBACK print_child(HWND child, LPARAM unused) {
    wchar_t text[4096];
    char utf8[16384];
    (void)unused;
    if (GetWindowTextW(child, text, 4096) > 0 &&
        WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8, sizeof utf8, NULL, NULL) > 0)
        printf("%s\n", utf8);
    return TRUE;
}

static BOOL CALLBACK match_top(HWND window, LPARAM unused) {
    wchar_t title[1024];
    int n = GetWindowTextW(window, title, 1024);
    (void)unused;
    while (n > 0 && title[n - 1] == L' ')
        title[--n] = 0;
    if (wcscmp(title, wanted) == 0) {
        found = 1;
        EnumChildWindows(window, print_child, 0);
    }
    return TRUE;
}

int wmain(int argc, wchar_t **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: window-text TITLE\n");
        return 2;
    }
    wanted = argv[1];
    EnumWindows(match_top, 0);
    return found ? 0 : 1;
}
