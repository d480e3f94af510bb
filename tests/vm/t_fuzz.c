// SPDX-License-Identifier: GPL-2.0
/*
 * t_fuzz: a short, seeded run of the uAPI fuzzer (tests/fuzz/,
 * /bin/kvtier-fuzz in the guest) as one VM test: its model of the driver's
 * accounting must agree with the driver's after each of its calls, nothing
 * it made may outlive its fds, and the kernel log must stay clean. The
 * fuzzer prints the PASS or FAIL line itself; this exec()s it.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char *argv[] = { "kvtier-fuzz", "--seed", "1", "--calls", "5000",
			 NULL };

	execv("/bin/kvtier-fuzz", argv);
	perror("FAIL fuzz:exec: /bin/kvtier-fuzz");
	return 1;
}
