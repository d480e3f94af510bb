# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests (Check): every tests/unit/test_*.c plus the runner, linked
# into one binary that runs every suite. `make unit-check` runs it;
# `make unit-asan` runs the same tests built with ASan and UBSan.

UNIT_SRCS := tests/unit/runner.c $(wildcard tests/unit/test_*.c)
UNIT_OBJS := $(call objs,$(BUILD)/tests/unit,$(UNIT_SRCS))
UNIT_ASAN_OBJS := $(call objs,$(BUILD)/asan/tests/unit,$(UNIT_SRCS))
UNIT_BIN  := $(BUILD)/tests/unit/kvtier-unit
UNIT_ASAN_BIN := $(BUILD)/asan/tests/unit/kvtier-unit
# Fragments included before this one add what their suites need:
# libraries to UNIT_LIBS, include paths to UNIT_CFLAGS (both with +=).
UNIT_LIBS ?=
UNIT_CFLAGS += -pthread -Ikmod/core -Itests/unit $(POLICY_CFLAGS) $(REPLAY_CFLAGS) $(DISK_CFLAGS)
UNIT_LDLIBS = $(DRM_LIBS) $(CHECK_LIBS) $(DISK_LDLIBS) -lpthread

UNIT_CC_FLAGS = $(COMMON_CFLAGS) $(UNIT_CFLAGS)
UNIT_ASAN_CC_FLAGS = $(UNIT_CC_FLAGS) $(SAN_CFLAGS)
$(eval $(call compile,$(BUILD)/tests/unit,tests/unit,UNIT_CC_FLAGS))
$(eval $(call compile,$(BUILD)/asan/tests/unit,tests/unit,UNIT_ASAN_CC_FLAGS))

$(UNIT_BIN): $(UNIT_OBJS) $(KVTCORE_LIB) $(UNIT_LIBS)
	$(call cmd_link,$(UNIT_CC_FLAGS),$(UNIT_OBJS) $(UNIT_LIBS) \
		$(KVTCORE_LIB) $(UNIT_LDLIBS))

$(UNIT_ASAN_BIN): $(UNIT_ASAN_OBJS) $(KVTCORE_ASAN_LIB) $(UNIT_LIBS)
	$(call cmd_link,$(UNIT_ASAN_CC_FLAGS),$(UNIT_ASAN_OBJS) $(UNIT_LIBS) \
		$(KVTCORE_ASAN_LIB) $(UNIT_LDLIBS))

.PHONY: unit-asan
unit-check: $(UNIT_BIN)
	$(call say,TEST,$(notdir $<))$(UNIT_BIN)

# Check forks each test; ASan's leak check runs in every child.
unit-asan: $(UNIT_ASAN_BIN)
	$(call say,TEST,$(notdir $<))ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1 $(UNIT_ASAN_BIN)

USERSPACE += $(UNIT_BIN)
