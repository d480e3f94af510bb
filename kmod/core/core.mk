# SPDX-License-Identifier: GPL-2.0
#
# kmod/core as a host library, for the unit tests and benchmarks. The same
# sources go into kvtier.ko through Kbuild.

KVTCORE_SRCS := $(wildcard kmod/core/*.c)
KVTCORE_OBJS := $(call objs,$(BUILD)/kmod/core,$(KVTCORE_SRCS))
KVTCORE_LIB  := $(BUILD)/libkvtcore.a

# The same library with AddressSanitizer and UBSan, for `make unit-asan`.
KVTCORE_ASAN_OBJS := $(call objs,$(BUILD)/asan/kmod/core,$(KVTCORE_SRCS))
KVTCORE_ASAN_LIB  := $(BUILD)/asan/libkvtcore.a

# Kernel rules the core keeps to, checked on the host too: small frames,
# declarations first (as the kernel's build warns).
KVTCORE_CFLAGS := -pthread -Wframe-larger-than=512 \
		  -Wdeclaration-after-statement -Wvla
KVTCORE_CC_FLAGS = $(COMMON_CFLAGS) $(KVTCORE_CFLAGS)
# ASan's redzones make frames larger: the frame check is for the plain build.
KVTCORE_ASAN_CC_FLAGS = $(COMMON_CFLAGS) \
	$(filter-out -Wframe-larger-than=%,$(KVTCORE_CFLAGS)) $(SAN_CFLAGS)

$(eval $(call compile,$(BUILD)/kmod/core,kmod/core,KVTCORE_CC_FLAGS))
$(eval $(call compile,$(BUILD)/asan/kmod/core,kmod/core,KVTCORE_ASAN_CC_FLAGS))

$(KVTCORE_LIB): $(KVTCORE_OBJS)
	$(cmd_ar)

$(KVTCORE_ASAN_LIB): $(KVTCORE_ASAN_OBJS)
	$(cmd_ar)

USERSPACE += $(KVTCORE_LIB)
