/* System-wide limits.  The first group is part of the xv6 user ABI. */
#ifndef COWBIRD_PARAM_H
#define COWBIRD_PARAM_H

#define NPROC       64   /* processes */
#define NOFILE      16   /* open files per process */
#define NFILE       100  /* open files in the system */
#define NINODE      50   /* in-memory inodes */
#define NDEV        10   /* device major numbers */
#define MAXARG      32   /* exec arguments */
#define MAXOPBLOCKS 10   /* blocks one fs operation may write */
#define MAXPATH     128  /* path name length */
#define FSSIZE      2000 /* file system size in blocks */

/* Kernel-internal limits. */
#define NCPU         8                 /* harts supported */
#define ROOTDEV      1                 /* device number of the root disk */
#define LOGBLOCKS    (MAXOPBLOCKS * 3) /* on-disk log size in blocks (30) */
#define NBUF         (MAXOPBLOCKS * 3 + 2 * NCPU) /* buffer cache: the log may pin 29 */
#define NINODES_DISK 200                          /* inodes mkfs creates */

#endif
