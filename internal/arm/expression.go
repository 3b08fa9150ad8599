package arm

// EvaluateExpression evaluates one template string (an expression such as
// "[concat('a', parameters('p'))]", or a literal) in the context of a
// template, its parameter values and a deployment. tpl may be nil for an
// empty template.
func EvaluateExpression(tpl *Template, params map[string]any, dep Deployment, expr string) (any, error) {
	if tpl == nil {
		tpl = emptyTemplate()
	}
	norm := make(map[string]any, len(params))
	for k, v := range params {
		norm[k] = normalize(cloneDeep(v))
	}
	e := newEngine(tpl, norm, &dep)
	return e.rootScope("expression").evalString(expr)
}

func emptyTemplate() *Template {
	return &Template{
		Scope:     ScopeResourceGroup,
		raw:       map[string]any{},
		params:    map[string]*Parameter{},
		variables: map[string]any{},
		varNames:  map[string]string{},
		functions: map[string]*userFunc{},
	}
}

// isExpression reports whether a JSON string is a template expression.
func isExpression(s string) bool {
	_, ok, _ := exprText(s)
	return ok
}
