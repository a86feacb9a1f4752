// A minimal program that uses parcae the way a launcher would, built by the consumer tests.
#include <iostream>

#include <parcae/parcae.hpp>

int main() {
  const parcae::parallel_config config{4, 8};
  parcae::counter_rng rng(1, 2, 3);
  const double u = rng.next_uniform();
  if (config.size() != 32 || !(u >= 0.0 && u < 1.0)) return 1;
  std::cout << "consumer ok " << parcae::to_string(config) << "\n";
  return 0;
}
