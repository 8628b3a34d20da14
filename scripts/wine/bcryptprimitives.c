/* Part of scripts/windows-wine.sh, never shipped. */
#include <windows.h>
/* Wine 8 has no bcryptprimitives.dll; Rust's std asks it for ProcessPrng.
   Local test shim only: forwards to RtlGenRandom (advapi32!SystemFunction036). */
BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n; len -= n;
  }
  return TRUE;
}
