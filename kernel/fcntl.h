#ifndef COWBIRD_FCNTL_H
#define COWBIRD_FCNTL_H

#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR   0x002
#define O_CREATE 0x200
#define O_TRUNC  0x400

/*
 * mmap (the xv6 mmap lab's values).  mmap fails with (void *)-1; the name
 * MAP_FAILED is left to programs, which define it themselves.
 */
#define PROT_NONE     0x0
#define PROT_READ     0x1
#define PROT_WRITE    0x2
#define PROT_EXEC     0x4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_ANONYMOUS 0x20 /* no file: zero-filled pages; fd must be -1 */

#endif
