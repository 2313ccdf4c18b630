#ifndef COWBIRD_STAT_H
#define COWBIRD_STAT_H

#include "kernel/types.h"

#define T_DIR    1 /* directory */
#define T_FILE   2 /* regular file */
#define T_DEVICE 3 /* device file */

struct stat {
	int dev;     /* disk device number */
	uint ino;    /* inode number */
	short type;  /* T_DIR, T_FILE or T_DEVICE */
	short nlink; /* links to the file */
	uint64 size; /* size in bytes */
};

#endif
