/* LD_PRELOAD shim that lets Debian 12's sqlsmith 1.4 run (and count correctly) on the system SQLite.
 *
 * Built by bench/bench_generate.py at bench time:
 *     gcc -shared -fPIC -O2 -DSOURCEID='"<id>"' -o sqlsmith_shim.so sqlsmith_shim.c -ldl
 * where <id> is the SQLite source id compiled into the sqlsmith binary
 * (`strings $(command -v sqlsmith) | grep '^2022-02-22 18:58:40 '`).
 *
 * 1. sqlsmith asserts that the SQLite library is the one it was built with (3.38.0; Debian 12 has
 *    3.40.1, API-compatible): report the build-time version and source id.
 * 2. sqlsmith aborts each query at its first row (its callback returns non-zero) and recognises that
 *    abort by the message "callback requested query abort"; SQLite >= 3.39 says "query aborted"
 *    instead, so every query that returns a row would be counted as an error. Give sqlite3_exec's
 *    error message the old spelling in that one case.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

#ifndef SOURCEID
#error "compile with -DSOURCEID='\"<sqlite source id of the sqlsmith binary>\"'"
#endif

#define SQLITE_ABORT 4

typedef int (*callback_fn)(void *, int, char **, char **);
typedef int (*exec_fn)(void *, const char *, callback_fn, void *, char **);

void sqlite3_free(void *);
char *sqlite3_mprintf(const char *, ...);

int sqlite3_libversion_number(void) { return 3038000; }
const char *sqlite3_libversion(void) { return "3.38.0"; }
const char *sqlite3_sourceid(void) { return SOURCEID; }

int sqlite3_exec(void *db, const char *sql, callback_fn callback, void *arg, char **errmsg) {
    static exec_fn real = 0;
    if (!real) real = (exec_fn)dlsym(RTLD_NEXT, "sqlite3_exec");
    int rc = real(db, sql, callback, arg, errmsg);
    if (rc == SQLITE_ABORT && errmsg && *errmsg && strcmp(*errmsg, "query aborted") == 0) {
        sqlite3_free(*errmsg);
        *errmsg = sqlite3_mprintf("%s", "callback requested query abort");
    }
    return rc;
}
