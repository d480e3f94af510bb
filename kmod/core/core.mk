# SPDX-License-Identifier: GPL-2.0
#
# kmod/core as a host library, for the unit tests and benchmarks. The same
# sources go into kvtier.ko through Kbuild.

KVTCORE_SRCS := $(wildcard kmod/core/*.c)
KVTCORE_HDRS := $(wildcard kmod/core/*.h) uapi/kvtier_drm.h
KVTCORE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(KVTCORE_SRCS))
KVTCORE_LIB  := $(BUILD)/libkvtcore.a

# The same library with AddressSanitizer and UBSan, for `make unit-asan`.
SAN_CFLAGS        := -fsanitize=address,undefined -fno-omit-frame-pointer \
		     -fno-sanitize-recover=all
KVTCORE_ASAN_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,$(KVTCORE_SRCS))
KVTCORE_ASAN_LIB  := $(BUILD)/asan/libkvtcore.a

# Kernel rules the core keeps to, checked on the host too: small frames,
# declarations first (as the kernel's build warns).
KVTCORE_CFLAGS := -pthread -Wframe-larger-than=512 \
		  -Wdeclaration-after-statement -Wvla

$(BUILD)/kmod/core/%.o: kmod/core/%.c $(KVTCORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(KVTCORE_CFLAGS) -c -o $@ $<

$(KVTCORE_LIB): $(KVTCORE_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# ASan's redzones make frames larger: the frame check is for the plain build.
$(BUILD)/asan/kmod/core/%.o: kmod/core/%.c $(KVTCORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(filter-out -Wframe-larger-than=%,$(KVTCORE_CFLAGS)) \
		$(SAN_CFLAGS) -c -o $@ $<

$(KVTCORE_ASAN_LIB): $(KVTCORE_ASAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

USERSPACE += $(KVTCORE_LIB)
