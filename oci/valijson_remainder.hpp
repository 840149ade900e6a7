// remainder() for valijson, declared before valijson's headers: its "multipleOf" check
// for doubles (validation_visitor.hpp) calls remainder() unqualified from inside
// namespace valijson, and finds this one. It is the one libm function the binaries
// would use, and loading libm.so for it cost each start of mini-runc and netns-hook the
// library's mapping, relocations and ifunc resolution, and about 300 KiB of peak RSS
// (bench/results/analysis.md). None of the schemas has a "multipleOf" today; the check
// is linked because valijson's visitor is virtual. Include this before any valijson
// header (oci/schema.cpp is the only file that includes them).
#pragma once

namespace valijson {

// The IEEE 754 remainder of x / y, as remainder(3) (without setting errno).
double remainder(double x, double y);

}  // namespace valijson
