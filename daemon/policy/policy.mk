# SPDX-License-Identifier: GPL-2.0
#
# The daemon's schedulers (eviction policies, watermarks, write policies)
# as $(BUILD)/libkvtdpolicy.a: pure code with no system underneath, linked
# into kvtierd, kvtier-replay and the unit tests. Every daemon/policy/*.c
# goes in.
#
# For users of the library:
#   POLICY_CFLAGS  compile flags (with $(COMMON_CFLAGS))
#   POLICY_LIB     link it: $(POLICY_LIB)
#   POLICY_ASAN_LIB  the same built with $(SAN_CFLAGS), for `make unit-asan`

POLICY_DIR    := daemon/policy
POLICY_CFLAGS := -I$(POLICY_DIR)
POLICY_SRCS   := $(wildcard $(POLICY_DIR)/*.c)
POLICY_OBJS   := $(call objs,$(BUILD)/$(POLICY_DIR),$(POLICY_SRCS))
POLICY_LIB    := $(BUILD)/libkvtdpolicy.a
POLICY_ASAN_OBJS := $(call objs,$(BUILD)/asan/$(POLICY_DIR),$(POLICY_SRCS))
POLICY_ASAN_LIB  := $(BUILD)/asan/libkvtdpolicy.a

POLICY_CC_FLAGS = $(COMMON_CFLAGS) $(POLICY_CFLAGS)
POLICY_ASAN_CC_FLAGS = $(POLICY_CC_FLAGS) $(SAN_CFLAGS)
$(eval $(call compile,$(BUILD)/$(POLICY_DIR),$(POLICY_DIR),POLICY_CC_FLAGS))
$(eval $(call compile,$(BUILD)/asan/$(POLICY_DIR),$(POLICY_DIR),POLICY_ASAN_CC_FLAGS))

$(POLICY_LIB): $(POLICY_OBJS)
	$(cmd_ar)

$(POLICY_ASAN_LIB): $(POLICY_ASAN_OBJS)
	$(cmd_ar)

UNIT_LIBS += $(POLICY_LIB)
USERSPACE += $(POLICY_LIB)
