/*
 * What a user program can call: the system calls (stubs in user/lib/usys.S)
 * and the small C library in user/lib/.  Programs include kernel/types.h,
 * kernel/stat.h and then this file, as on xv6.
 */
#ifndef COWBIRD_USER_H
#define COWBIRD_USER_H

#include "kernel/types.h"

struct stat;
struct vmstat;
struct pmap;
struct lockstat;

/* System calls. */
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int *);
int pipe(int *);
int write(int, const void *, int);
int read(int, void *, int);
int close(int);
int kill(int);
int exec(const char *, char **);
int open(const char *, int);
int mknod(const char *, short, short);
int unlink(const char *);
int fstat(int fd, struct stat *);
int link(const char *, const char *);
int mkdir(const char *);
int chdir(const char *);
int dup(int);
int getpid(void);
char *sbrk(int);
int sleep(int);
int uptime(void);
int vmstat(int mode, struct vmstat *st);
int pmap(int pid, int flags, struct pmap *out);
int setfg(int pid); /* Ctrl-C kills pid and its descendants; returns the previous */
int lockstat(int op, struct lockstat *out, int max);
void *mmap(void *addr, int length, int prot, int flags, int fd, int offset);
int munmap(void *addr, int length);

/* The user library. */
int stat(const char *, struct stat *);
char *strcpy(char *, const char *);
void *memmove(void *, const void *, int);
char *strchr(const char *, char c);
int strcmp(const char *, const char *);
void fprintf(int, const char *, ...);
void printf(const char *, ...);
void vfprintf(int, const char *, __builtin_va_list);
int snprintf(char *, int, const char *, ...);
int vsnprintf(char *, int, const char *, __builtin_va_list);
char *gets(char *, int max);
uint strlen(const char *);
void *memset(void *, int, uint);
void *malloc(uint);
void free(void *);
int atoi(const char *);
int memcmp(const void *, const void *, uint);
void *memcpy(void *, const void *, uint);

#endif
