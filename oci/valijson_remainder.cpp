#include "oci/valijson_remainder.hpp"

#if !defined(__x86_64__) && !defined(__i386__)
#include <cmath>
#endif

namespace valijson {

double remainder(double x, double y) {
#if defined(__x86_64__) || defined(__i386__)
  // FPREM1 computes the exact IEEE remainder (round-to-nearest, ties to even quotient)
  // of st(0) by st(1), a partial one when their exponents are more than 63 apart, which
  // it tells by setting C2 (bit 10 of the status word): repeat until it is clear, as
  // glibc's x87 remainder() does. A double converts to the 80-bit format exactly, and
  // the remainder of two doubles is a double. NaN for an infinite x or a zero y.
  long double r = x;
  const long double divisor = y;
  unsigned short status = 0;
  do {
    asm("fprem1\n\tfnstsw %0" : "=a"(status), "+t"(r) : "u"(divisor));
  } while (status & 0x400);
  return static_cast<double>(r);
#else
  return std::remainder(x, y);
#endif
}

}  // namespace valijson
