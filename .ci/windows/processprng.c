/*
 * bcryptprimitives.dll for wine test prefixes only: Debian's wine 8 has no
 * bcryptprimitives.dll, and every Go >= 1.22 program for Windows calls its
 * ProcessPrng at start ("fatal error: bcryptprimitives.dll not found").
 * This DLL exports ProcessPrng and forwards to advapi32!SystemFunction036
 * (RtlGenRandom), which wine has. Real Windows 10 and later ship
 * bcryptprimitives.dll themselves: nothing of this ships with Dialtone.
 *
 * Built by .ci/windows/wine (x86_64-w64-mingw32-gcc -shared ... -ladvapi32)
 * into the private prefix's drive_c/windows/system32.
 */
#include <windows.h>

/* RtlGenRandom; ntsecapi.h declares it only through a macro. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* ProcessPrng fills data with len random bytes and always returns TRUE on
 * Windows; here it reports RtlGenRandom's failure, which Go turns into a
 * fatal error rather than using bytes that are not random. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
