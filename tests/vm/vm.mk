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
VM_HOBJS    := $(patsubst tests/vm/%.c,$(BUILD)/vm/obj/%.o,$(VM_HELPERS)) \
	       $(BUILD)/vm/obj/live_content.o
VM_HDRS     := $(wildcard tests/vm/*.h) uapi/kvtier_drm.h \
	       $(wildcard tools/lib/kvtier/*.h)
VM_LIBKVT   := $(BUILD)/libkvtier.a
VM_CFLAGS   := $(COMMON_CFLAGS) -Itools/lib/kvtier -Itests/vm -Idaemon/disk -Itools/replay -pthread
VM_LDLIBS   := $(shell pkg-config --libs --static libdrm liburing 2>/dev/null) -pthread

.PHONY: vm-progs
vm-progs: $(VM_PROGS)

USERSPACE += $(VM_PROGS)

$(BUILD)/vm/obj/%.o: tests/vm/%.c $(VM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VM_CFLAGS) -c -o $@ $<

# The block content generator the daemon tests share with kvtier-replay.
$(BUILD)/vm/obj/live_content.o: tools/replay/live_content.c $(VM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VM_CFLAGS) -c -o $@ $<

$(VM_TLIB): $(VM_HOBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/vm/t_%: tests/vm/t_%.c $(VM_TLIB) $(VM_LIBKVT) $(VM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VM_CFLAGS) -static -o $@ $< $(VM_TLIB) $(VM_LIBKVT) \
		$(VM_LDLIBS)
