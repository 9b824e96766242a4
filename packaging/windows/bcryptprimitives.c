/*
 * A one-function stand-in for Windows' bcryptprimitives.dll, for running our Windows builds under
 * Wine 8.0 (Debian 12), which lacks it. Rust's std (1.78+) gets its random bytes from
 * bcryptprimitives!ProcessPrng; Windows 10 and later have it, Wine 8.0 does not ("Library
 * bcryptprimitives.dll ... not found"). This fills the buffer through advapi32's RtlGenRandom
 * (SystemFunction036), which Wine has. It is only ever put next to an .exe in a throw-away Wine
 * prefix by `make windows`; it is never shipped.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c \
 *          bcryptprimitives.def -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE; /* Windows' ProcessPrng always returns TRUE */
}
