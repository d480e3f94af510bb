# SPDX-License-Identifier: GPL-2.0
#
# kvtier-fuzz, the uAPI fuzzer (tests/fuzz/): a static binary that
# tests/vm/run.sh puts in the guest's /bin. `make fuzz` runs it there for
# FUZZ_CALLS calls from FUZZ_SEED (default: a new seed each run, printed);
# `make check` runs a short seeded run as the VM test t_fuzz.
#
# Needs tests/vm/vm.mk included first (the VM programs' flags and library).

FUZZ_SRCS  := $(wildcard tests/fuzz/*.c)
FUZZ_OBJS  := $(call objs,$(BUILD)/fuzz,$(FUZZ_SRCS))
FUZZ_CALLS ?= 1000000
FUZZ_SEED  ?= $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
# Under TCG the guest makes about a thousand calls a second: an hour of
# VM time covers 10^6 with room to spare.
FUZZ_VM_TIMEOUT ?= 3600
FUZZ_ARGS  ?=

FUZZ_CC_FLAGS = $(VM_CFLAGS) -Itests/fuzz
$(eval $(call compile,$(BUILD)/fuzz,tests/fuzz,FUZZ_CC_FLAGS))

USERSPACE += $(BUILD)/static/kvtier-fuzz

$(BUILD)/static/kvtier-fuzz: $(FUZZ_OBJS) $(VM_TLIB) $(VM_LIBKVT)
	$(call cmd_link,$(FUZZ_CC_FLAGS) -static,$(FUZZ_OBJS) $(VM_TLIB) \
		$(VM_LIBKVT) $(VM_LDLIBS))

.PHONY: fuzz
fuzz: deps
	@$(MAKE) --no-print-directory module $(BUILD)/static/kvtier-fuzz
	KVTIER_VM_TIMEOUT=$(FUZZ_VM_TIMEOUT) \
	KVTIER_VM_TEST_TIMEOUT=$$(($(FUZZ_VM_TIMEOUT) - 60)) \
		tests/vm/run.sh --shell 'kvtier-fuzz --seed $(FUZZ_SEED) --calls $(FUZZ_CALLS) $(FUZZ_ARGS)'
