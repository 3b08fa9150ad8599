package arm

// Limits against hostile templates. Where Azure documents a limit we use it;
// the others are generous bounds that real templates never reach but that
// keep memory and time finite on crafted input.
const (
	// MaxExpressionLength is Azure's limit on one template expression.
	MaxExpressionLength = 24576
	// MaxExpressionDepth bounds nesting of calls, accessors and brackets.
	MaxExpressionDepth = 64
	// MaxCopyCount is Azure's limit on the count of one copy loop.
	MaxCopyCount = 800
	// MaxStringLength bounds any string an expression produces (bytes).
	MaxStringLength = 1 << 20
	// MaxValueSize bounds the size of any value a function produces, counted
	// as array elements, object members and string bytes of the fully
	// expanded value (shared sub-values count each time they appear).
	MaxValueSize = 2 << 20
	// MaxRangeCount is Azure's limit on range()'s count.
	MaxRangeCount = 10000
	// maxWork is the evaluation budget of one Evaluate call (or one
	// standalone expression), in abstract units: one per function call plus
	// the size of every container or string built. It bounds total time when
	// variables double values through each other.
	maxWork = 1 << 24
	// MaxResources bounds the expanded resource list (Azure allows 800
	// resources per template; copy loops expand further in practice).
	MaxResources = 800 * 8
)
