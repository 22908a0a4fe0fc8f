// See include/CConntrackArguments.h for why this exists.
#include "CConntrackArguments.h"
#include <stdlib.h> // defines __GLIBC__

static int savedArgc;
static char **savedArgv;

int ct_argc(void) { return savedArgc; }
char *const *ct_argv(void) { return savedArgv; }

#if defined(__linux__) && defined(__GLIBC__)

// glibc calls ELF constructors with (argc, argv, envp) in static and dynamic executables.
__attribute__((constructor)) static void ct_saveArguments(int argc, char **argv, char **envp) {
    (void)envp;
    savedArgc = argc;
    savedArgv = argv;
}

// Same contract as the runtime's (stdlib/public/CommandLineSupport/CommandLine.cpp):
// returns argv (not owned by the caller, alive for the whole process) and sets argc.
__attribute__((swiftcall)) char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen);
__attribute__((swiftcall)) char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
    static char *emptyArgv[] = {0};
    if (savedArgv == 0) {
        *outArgLen = 0;
        return emptyArgv;
    }
    *outArgLen = savedArgc;
    return savedArgv;
}
#endif
