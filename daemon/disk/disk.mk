# SPDX-License-Identifier: GPL-2.0
#
# The daemon's disk tier as $(BUILD)/libkvtddisk.a: extents, on-disk format
# and recovery, and the io_uring engine, behind the tier ops table
# (daemon/disk/tier_ops.h). Also $(BUILD)/asan/libkvtddisk.a for the
# sanitizer build, and $(BUILD)/libkvtdbenchdisk.a: bench_disk() for
# kvtier-bench (tools/bench/bench_disk.h).
#
# For users of the library:
#   DISK_CFLAGS  compile flags (with $(COMMON_CFLAGS))
#   DISK_LIB     link it: $(DISK_LIB) $(DISK_LDLIBS)
#   DISK_LDLIBS  what it needs after it: liburing, pthreads
#   DISK_HDRS    its headers, for dependencies

DISK_DIR    := daemon/disk
DISK_CFLAGS := -I$(DISK_DIR)
DISK_SRCS   := crc32c.c avl.c extent.c format.c index.c uring.c disk.c \
	       disk_open.c recover.c disk_ops.c
DISK_OBJS   := $(addprefix $(BUILD)/$(DISK_DIR)/,$(DISK_SRCS:.c=.o))
DISK_HDRS   := $(wildcard $(DISK_DIR)/*.h)
DISK_LIB    := $(BUILD)/libkvtddisk.a
DISK_LDLIBS := -luring -lpthread

DISK_ASAN_OBJS := $(addprefix $(BUILD)/asan/$(DISK_DIR)/,$(DISK_SRCS:.c=.o))
DISK_ASAN_LIB  := $(BUILD)/asan/libkvtddisk.a
DISK_SAN_CFLAGS ?= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all

DISK_BENCH_OBJ := $(BUILD)/tools/bench/bench_disk.o
DISK_BENCH_LIB := $(BUILD)/libkvtdbenchdisk.a

$(BUILD)/$(DISK_DIR)/%.o: $(DISK_DIR)/%.c $(DISK_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(DISK_CFLAGS) -c -o $@ $<

$(DISK_LIB): $(DISK_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/asan/$(DISK_DIR)/%.o: $(DISK_DIR)/%.c $(DISK_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(DISK_CFLAGS) $(DISK_SAN_CFLAGS) -c -o $@ $<

$(DISK_ASAN_LIB): $(DISK_ASAN_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(DISK_BENCH_OBJ): tools/bench/bench_disk.c tools/bench/bench_disk.h $(DISK_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(DISK_CFLAGS) -Itools/bench -c -o $@ $<

$(DISK_BENCH_LIB): $(DISK_BENCH_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

UNIT_LIBS += $(DISK_LIB)
USERSPACE += $(DISK_LIB) $(DISK_BENCH_LIB)
