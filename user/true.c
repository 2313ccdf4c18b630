/* true: do nothing, successfully.  The smallest program exec can load. */
#include "kernel/types.h"
#include "user/user.h"

int
main(void)
{
	return 0;
}
