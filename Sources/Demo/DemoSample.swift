/// The file `gptls demo` types, the places where it pauses for ghost text, and what it summarises and classifies.
enum DemoSample {
    static let code = #"""
    import math


    def mean(values):
        """Return the arithmetic mean of a non-empty list of numbers."""
        if not values:
            raise ValueError("mean() of an empty list")
        return sum(values) / len(values)


    def variance(values):
        """Return the population variance of a list of numbers."""
        average = mean(values)
        return sum((x - average) ** 2 for x in values) / len(values)


    def standard_deviation(values):
        return math.sqrt(variance(values))

    """#

    /// Text after which the demo stops typing and asks for an inline completion.
    static let pauses = [
        "def mean(values):\n",
        "    if not values:\n",
        "    return sum(",
        "def variance(values):\n",
        "    average = mean(values)\n",
        "def standard_deviation(values):\n",
    ]

    static let summarized = #"""
    def mean(values):
        if not values:
            raise ValueError("mean() of an empty list")
        return sum(values) / len(values)
    """#

    static let snippets = [
        "import os\n\nfor name in os.listdir('.'):\n    print(name)\n",
        "public struct Point {\n    var x: Double\n    var y: Double\n}\n",
        "#include <stdio.h>\n\nint main(void) {\n    printf(\"hello\\n\");\n    return 0;\n}\n",
        "#!/bin/sh\nset -e\nfor f in *.txt; do\n  wc -l \"$f\"\ndone\n",
        "It was a bright cold day in April, and the clocks were striking thirteen.\n",
    ]
}
