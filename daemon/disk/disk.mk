# SPDX-License-Identifier: GPL-2.0
#
# The daemon's disk tier as $(BUILD)/libkvtddisk.a: extents, on-disk format
# and recovery, and the io_uring engine, behind the tier ops table
# (daemon/disk/tier_ops.h); every daemon/disk/*.c goes in. Also
# $(BUILD)/asan/libkvtddisk.a for the sanitizer build, and
# $(BUILD)/libkvtdbenchdisk.a: bench_disk() for kvtier-bench
# (tools/bench/bench_disk.h).
#
# For users of the library:
#   DISK_CFLAGS  compile flags (with $(COMMON_CFLAGS))
#   DISK_LIB     link it: $(DISK_LIB) $(DISK_LDLIBS)
#   DISK_LDLIBS  what it needs after it: liburing, pthreads

DISK_DIR    := daemon/disk
DISK_CFLAGS := -I$(DISK_DIR)
DISK_SRCS   := $(wildcard $(DISK_DIR)/*.c)
DISK_OBJS   := $(call objs,$(BUILD)/$(DISK_DIR),$(DISK_SRCS))
DISK_LIB    := $(BUILD)/libkvtddisk.a
DISK_LDLIBS := -luring -lpthread

DISK_ASAN_OBJS := $(call objs,$(BUILD)/asan/$(DISK_DIR),$(DISK_SRCS))
DISK_ASAN_LIB  := $(BUILD)/asan/libkvtddisk.a
DISK_SAN_CFLAGS ?= $(SAN_CFLAGS)

DISK_BENCH_OBJ := $(BUILD)/tools/bench/bench_disk.o
DISK_BENCH_LIB := $(BUILD)/libkvtdbenchdisk.a

DISK_CC_FLAGS = $(COMMON_CFLAGS) $(DISK_CFLAGS)
DISK_ASAN_CC_FLAGS = $(DISK_CC_FLAGS) $(DISK_SAN_CFLAGS)
DISK_BENCH_CC_FLAGS = $(DISK_CC_FLAGS) -Itools/bench
$(eval $(call compile,$(BUILD)/$(DISK_DIR),$(DISK_DIR),DISK_CC_FLAGS))
$(eval $(call compile,$(BUILD)/asan/$(DISK_DIR),$(DISK_DIR),DISK_ASAN_CC_FLAGS))
$(eval $(call compile-one,$(DISK_BENCH_OBJ),tools/bench/bench_disk.c,DISK_BENCH_CC_FLAGS))

$(DISK_LIB): $(DISK_OBJS)
	$(cmd_ar)

$(DISK_ASAN_LIB): $(DISK_ASAN_OBJS)
	$(cmd_ar)

$(DISK_BENCH_LIB): $(DISK_BENCH_OBJ)
	$(cmd_ar)

UNIT_LIBS += $(DISK_LIB)
USERSPACE += $(DISK_LIB) $(DISK_BENCH_LIB)
