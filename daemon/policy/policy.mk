# SPDX-License-Identifier: GPL-2.0
#
# The daemon's schedulers (eviction policies, watermarks, write policies)
# as $(BUILD)/libkvtdpolicy.a: pure code with no system underneath, linked
# into kvtierd, kvtier-replay and the unit tests.
#
# For users of the library:
#   POLICY_CFLAGS  compile flags (with $(COMMON_CFLAGS))
#   POLICY_LIB     link it: $(POLICY_LIB)
#   POLICY_HDRS    its headers, for dependencies
#   POLICY_ASAN_LIB  the same built with $(SAN_CFLAGS) (from core.mk), for
#                  `make unit-asan`

POLICY_DIR    := daemon/policy
POLICY_CFLAGS := -I$(POLICY_DIR)
POLICY_SRCS   := ops.c keymap.c lru.c watermark.c write.c
POLICY_OBJS   := $(addprefix $(BUILD)/$(POLICY_DIR)/,$(POLICY_SRCS:.c=.o))
POLICY_HDRS   := $(wildcard $(POLICY_DIR)/*.h) uapi/kvtier_drm.h
POLICY_LIB    := $(BUILD)/libkvtdpolicy.a

$(BUILD)/$(POLICY_DIR)/%.o: $(POLICY_DIR)/%.c $(POLICY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) -c -o $@ $<

$(POLICY_LIB): $(POLICY_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

POLICY_ASAN_OBJS := $(addprefix $(BUILD)/asan/$(POLICY_DIR)/,$(POLICY_SRCS:.c=.o))
POLICY_ASAN_LIB  := $(BUILD)/asan/libkvtdpolicy.a

$(BUILD)/asan/$(POLICY_DIR)/%.o: $(POLICY_DIR)/%.c $(POLICY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(SAN_CFLAGS) -c -o $@ $<

$(POLICY_ASAN_LIB): $(POLICY_ASAN_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

UNIT_LIBS += $(POLICY_LIB)
USERSPACE += $(POLICY_LIB)
