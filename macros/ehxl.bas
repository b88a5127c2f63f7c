Attribute VB_Name = "ehxl"
' ehxl buttons: each sub runs the same engine as the ehxl command line, inside this workbook.
' The xlwings add-in (xlwings addin install) provides RunPython; point it at the Python where ehxl is installed.
Option Explicit

Sub EhxlValidate()
    RunPython "import ehxl.excel; ehxl.excel.validate()"
End Sub

Sub EhxlFlagOverdue()
    RunPython "import ehxl.excel; ehxl.excel.flag_overdue()"
End Sub

Sub EhxlClearFlags()
    RunPython "import ehxl.excel; ehxl.excel.clear_flags()"
End Sub

Sub EhxlRollup()
    RunPython "import ehxl.excel; ehxl.excel.rollup()"
End Sub
