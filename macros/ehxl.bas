Attribute VB_Name = "ehxl"
' ehxl buttons: each one runs the same engine as the ehxl command line, inside this workbook.
' They need Python with ehxl installed and the xlwings add-in (in a terminal: xlwings addin install).
' RunPython is called through the add-in by name, so no reference has to be set in Tools > References.
Option Explicit

Sub EhxlValidate()
    EhxlRun "import ehxl.excel; ehxl.excel.validate()"
End Sub

Sub EhxlFlagOverdue()
    EhxlRun "import ehxl.excel; ehxl.excel.flag_overdue()"
End Sub

Sub EhxlClearFlags()
    EhxlRun "import ehxl.excel; ehxl.excel.clear_flags()"
End Sub

Sub EhxlRollup()
    EhxlRun "import ehxl.excel; ehxl.excel.rollup()"
End Sub

Private Sub EhxlRun(command As String)
    On Error GoTo NoAddin
    Application.Run "xlwings.xlam!RunPython", command
    Exit Sub
NoAddin:
    MsgBox "ehxl could not start Python (" & Err.Description & ")." & vbNewLine & vbNewLine & _
        "Install the xlwings add-in once: open a terminal and type  xlwings addin install" & vbNewLine & _
        "then restart Excel and, on the xlwings tab, set Interpreter (Windows) or Python path (Mac) " & _
        "to the Python where ehxl is installed.", vbExclamation, "ehxl"
End Sub
