/* System call numbers: the xv6 ABI, then cowbird's own from 22 up. */
#ifndef COWBIRD_SYSCALL_H
#define COWBIRD_SYSCALL_H

#define SYS_fork     1
#define SYS_exit     2
#define SYS_wait     3
#define SYS_pipe     4
#define SYS_read     5
#define SYS_kill     6
#define SYS_exec     7
#define SYS_fstat    8
#define SYS_chdir    9
#define SYS_dup      10
#define SYS_getpid   11
#define SYS_sbrk     12
#define SYS_sleep    13
#define SYS_uptime   14
#define SYS_open     15
#define SYS_write    16
#define SYS_mknod    17
#define SYS_unlink   18
#define SYS_link     19
#define SYS_mkdir    20
#define SYS_close    21
#define SYS_vmstat   22 /* cowbird: VM counters and self-check */
#define SYS_pmap     23 /* cowbird: one process's memory (kernel/pmap.h) */
#define SYS_setfg    24 /* cowbird: the console's foreground job, for Ctrl-C */
#define SYS_mmap     25 /* map a file or anonymous memory (docs/vm.md) */
#define SYS_munmap   26
#define SYS_lockstat 27 /* cowbird: lock statistics (kernel/lockstat.h) */

#endif
