# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests (Check): every tests/unit/test_*.c plus the runner, linked
# into one binary that runs every suite. `make unit-check` runs it;
# `make unit-asan` runs the same tests built with ASan and UBSan.

UNIT_SRCS := tests/unit/runner.c $(wildcard tests/unit/test_*.c)
UNIT_HDRS := $(wildcard tests/unit/*.h) $(KVTCORE_HDRS)
UNIT_BIN  := $(BUILD)/tests/unit/kvtier-unit
UNIT_ASAN_BIN := $(BUILD)/asan/tests/unit/kvtier-unit
# Fragments included before this one add what their suites need:
# libraries to UNIT_LIBS, include paths to UNIT_CFLAGS (both with +=).
UNIT_LIBS ?=
UNIT_CFLAGS += -pthread -Ikmod/core -Itests/unit $(POLICY_CFLAGS) $(REPLAY_CFLAGS) $(DISK_CFLAGS)

$(UNIT_BIN): $(UNIT_SRCS) $(UNIT_HDRS) $(KVTCORE_LIB) $(UNIT_LIBS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS) \
		$(UNIT_LIBS) $(KVTCORE_LIB) $(DRM_LIBS) $(CHECK_LIBS) \
		$(DISK_LDLIBS) -lpthread

$(UNIT_ASAN_BIN): $(UNIT_SRCS) $(UNIT_HDRS) $(KVTCORE_ASAN_LIB) $(UNIT_LIBS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(UNIT_CFLAGS) $(SAN_CFLAGS) -o $@ \
		$(UNIT_SRCS) $(UNIT_LIBS) $(KVTCORE_ASAN_LIB) $(DRM_LIBS) \
		$(CHECK_LIBS) $(DISK_LDLIBS) -lpthread

.PHONY: unit-asan
unit-check: $(UNIT_BIN)
	$(UNIT_BIN)

# Check forks each test; ASan's leak check runs in every child.
unit-asan: $(UNIT_ASAN_BIN)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(UNIT_ASAN_BIN)

USERSPACE += $(UNIT_BIN)
