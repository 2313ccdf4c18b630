/* Kernel self-tests, run at boot when the command line says "selftest". */
#ifndef COWBIRD_SELFTEST_H
#define COWBIRD_SELFTEST_H

void selftest_run(void) __attribute__((noreturn));

#endif
