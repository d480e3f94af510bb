# SPDX-License-Identifier: GPL-2.0
#
# kvtier-fuzz, the uAPI fuzzer (tests/fuzz/): a static binary that
# tests/vm/run.sh puts in the guest's /bin. `make fuzz` runs it there for
# FUZZ_CALLS calls from FUZZ_SEED (default: a new seed each run, printed);
# `make check` runs a short seeded run as the VM test t_fuzz.

FUZZ_SRCS  := tests/fuzz/fuzz.c tests/fuzz/fuzz_model.c
FUZZ_HDRS  := tests/fuzz/fuzz.h $(VM_HDRS)
FUZZ_CALLS ?= 1000000
FUZZ_SEED  ?= $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
# Under TCG the guest makes a few thousand calls a second: an hour of VM
# time covers 10^6 with room to spare.
FUZZ_VM_TIMEOUT ?= 3600
FUZZ_ARGS  ?=

USERSPACE += $(BUILD)/static/kvtier-fuzz

$(BUILD)/static/kvtier-fuzz: $(FUZZ_SRCS) $(FUZZ_HDRS) $(VM_TLIB) $(VM_LIBKVT)
	@mkdir -p $(dir $@)
	$(CC) $(VM_CFLAGS) -Itests/fuzz -static -o $@ $(FUZZ_SRCS) \
		$(VM_TLIB) $(VM_LIBKVT) $(VM_LDLIBS)

.PHONY: fuzz
fuzz: deps
	@$(MAKE) --no-print-directory module $(BUILD)/static/kvtier-fuzz
	KVTIER_VM_TIMEOUT=$(FUZZ_VM_TIMEOUT) \
	KVTIER_VM_TEST_TIMEOUT=$$(($(FUZZ_VM_TIMEOUT) - 60)) \
		tests/vm/run.sh --shell 'kvtier-fuzz --seed $(FUZZ_SEED) --calls $(FUZZ_CALLS) $(FUZZ_ARGS)'
