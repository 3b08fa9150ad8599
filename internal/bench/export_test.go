package bench

// ParseLoadAverage is parseLoadAverage, for the tests.
var ParseLoadAverage = parseLoadAverage
