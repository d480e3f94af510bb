# SPDX-License-Identifier: GPL-2.0
#
# kvtier top-level build. `make` builds the module and all userspace;
# `make check` and `make demo` install what they need first (`make deps`).
#
# Each part keeps its sources, flags and outputs in its own fragment,
# included below; the fragments add their outputs to USERSPACE and their
# test programs to the lists the check target runs. The commands they build
# with are scripts/build.mk's, once for all.
#
# Output is one line per step, as Kbuild prints; `make V=1` shows every
# command (the module's too). CPPFLAGS, empty by default, go to every
# compile: scripts/core-ab.sh builds one side with a -D of its own there.

BUILD      ?= build
CC         ?= cc
CFLAGS     ?= -O2 -g
KDIR       ?= $(shell scripts/kdir.sh)

DRM_CFLAGS := $(shell pkg-config --cflags libdrm 2>/dev/null)
DRM_LIBS   := $(shell pkg-config --libs libdrm 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

# -isystem for libdrm: its drm.h is not -pedantic clean, ours must be.
WARN       := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow
COMMON_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iuapi \
		 $(patsubst -I%,-isystem %,$(DRM_CFLAGS))

USERSPACE  :=

include scripts/build.mk

.PHONY: all module userspace deps check fuzz unit-check vm-check gpu-check demo bench lint clean
all: module userspace

include kmod/core/core.mk
include tools/lib/kvtier/lib.mk
include tools/tools.mk
include daemon/policy/policy.mk
include tools/replay/replay.mk
include daemon/disk/disk.mk
include daemon/daemon.mk
include ebpf/ebpf.mk
include gpu/gpu.mk
include tests/unit/unit.mk
include tests/vm/vm.mk
include tests/fuzz/fuzz.mk

userspace: $(USERSPACE)

# Kbuild takes V only from its command line.
KBUILD_ARGS := -C $(KDIR) M=$(CURDIR) $(if $(V),V=$(V))

module:
	$(Q)$(MAKE) --no-print-directory $(KBUILD_ARGS) modules

deps:
	@scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	+@scripts/check.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/vm/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh

# The GPU tests (tests/gpu): each skips (77) where there is no GPU.
gpu-check: $(GPU_TESTS)
	@tests/gpu/run.sh $(GPU_TESTS)

lint: deps
	@scripts/lint.sh

# The VM suite SOAK_RUNS times in a row (SOAK_TESTS: only those tests), to
# catch what fails once in tens of runs; see scripts/soak.sh.
SOAK_RUNS  ?= 30
SOAK_TESTS ?=
.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory all
	@SOAK_RUNS=$(SOAK_RUNS) scripts/soak.sh $(SOAK_TESTS)

clean:
	$(call say,CLEAN,$(BUILD))rm -rf $(BUILD)
	-$(Q)$(MAKE) --no-print-directory $(KBUILD_ARGS) clean

# Header dependencies of every object built so far (-MMD -MP).
-include $(wildcard $(DEPFILES))
