"""The engine and what every flow shares: specs, inputs, results, messages, guards, data files, dates, codes,
crisis matching and the menu. Core imports no capability."""
