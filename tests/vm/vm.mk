# SPDX-License-Identifier: GPL-2.0
#
# VM test programs: every tests/vm/t_<name>.c becomes a static binary
# $(BUILD)/vm/t_<name> that the harness (tests/vm/run.sh) copies into the
# guest's initramfs. Static, so the initramfs needs no C library. Each links
# the helpers (every tests/vm/*.c that is not a t_*.c: tlib.c, and
# daemon_ctl.c and dclient.c for the tests of kvtierd), and libkvtier.

VM_SRCS     := $(sort $(wildcard tests/vm/t_*.c))
VM_PROGS    := $(patsubst tests/vm/%.c,$(BUILD)/vm/%,$(VM_SRCS))
VM_HELPERS  := $(filter-out tests/vm/t_%.c,$(wildcard tests/vm/*.c))
VM_TLIB     := $(BUILD)/vm/libvmtest.a
VM_HOBJS    := $(call objs,$(BUILD)/vm/obj,$(VM_HELPERS)) \
	       $(BUILD)/vm/obj/live_content.o
VM_LIBKVT   := $(BUILD)/libkvtier.a
VM_CFLAGS   := $(COMMON_CFLAGS) -Itools/lib/kvtier -Itests/vm -Iebpf -Idaemon/disk -Itools/replay -pthread
VM_LDLIBS   := $(shell pkg-config --libs --static libdrm liburing 2>/dev/null) -pthread

.PHONY: vm-progs
vm-progs: $(VM_PROGS)

USERSPACE += $(VM_PROGS)

$(eval $(call compile,$(BUILD)/vm/obj,tests/vm,VM_CFLAGS))
# The block content generator the daemon tests share with kvtier-replay.
$(eval $(call compile-one,$(BUILD)/vm/obj/live_content.o,tools/replay/live_content.c,VM_CFLAGS))

$(VM_TLIB): $(VM_HOBJS)
	$(cmd_ar)

$(VM_PROGS): $(BUILD)/vm/%: $(BUILD)/vm/obj/%.o $(VM_TLIB) $(VM_LIBKVT)
	$(call cmd_link,$(VM_CFLAGS) -static,$< $(VM_TLIB) $(VM_LIBKVT) \
		$(VM_LDLIBS))
