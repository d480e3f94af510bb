# SPDX-License-Identifier: GPL-2.0
#
# kvtier-replay: $(BUILD)/kvtier-replay, and $(BUILD)/libkvtreplay.a (trace
# reader, reference stream, cache simulator, Belady) that it and the unit
# tests link. Needs daemon/policy/policy.mk and tools/lib/kvtier/lib.mk
# (for libkvtool's JSON writer) included first.
#
# For users of the library:
#   REPLAY_CFLAGS  compile flags (with $(COMMON_CFLAGS) $(POLICY_CFLAGS))
#   REPLAY_LIB     link it: $(REPLAY_LIB) $(POLICY_LIB) -lm
#   REPLAY_ASAN_LIB  the same built with $(SAN_CFLAGS), for `make unit-asan`

REPLAY_DIR    := tools/replay
REPLAY_CFLAGS := -I$(REPLAY_DIR)
REPLAY_SRCS   := trace.c refs.c belady.c sim.c capacity.c
REPLAY_OBJS   := $(addprefix $(BUILD)/$(REPLAY_DIR)/,$(REPLAY_SRCS:.c=.o))
REPLAY_HDRS   := $(wildcard $(REPLAY_DIR)/*.h) $(POLICY_HDRS)
REPLAY_LIB    := $(BUILD)/libkvtreplay.a

$(BUILD)/$(REPLAY_DIR)/%.o: $(REPLAY_DIR)/%.c $(REPLAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(REPLAY_CFLAGS) -c -o $@ $<

$(REPLAY_LIB): $(REPLAY_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

REPLAY_ASAN_OBJS := $(addprefix $(BUILD)/asan/$(REPLAY_DIR)/,$(REPLAY_SRCS:.c=.o))
REPLAY_ASAN_LIB  := $(BUILD)/asan/libkvtreplay.a

$(BUILD)/asan/$(REPLAY_DIR)/%.o: $(REPLAY_DIR)/%.c $(REPLAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(REPLAY_CFLAGS) $(SAN_CFLAGS) \
		-c -o $@ $<

$(REPLAY_ASAN_LIB): $(REPLAY_ASAN_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/kvtier-replay: tools/kvtier-replay.c $(REPLAY_LIB) $(POLICY_LIB) \
			$(REPLAY_HDRS) $(KVTOOL_LIB_A)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(REPLAY_CFLAGS) \
		$(KVTIER_CFLAGS) -o $@ $< $(REPLAY_LIB) $(POLICY_LIB) \
		$(KVTOOL_LIB_A) -lm

# The replay library needs the policies after it on the link line.
UNIT_LIBS += $(REPLAY_LIB) $(POLICY_LIB)
USERSPACE += $(REPLAY_LIB) $(BUILD)/kvtier-replay
