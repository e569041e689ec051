def test_supervisor_lists_own_staff_masked(world, client_for):
    response = client_for("supervisor").get("/api/v1/staff/")
    assert response.status_code == 200, response.content
    employee_nos = [row["employee_no"] for row in response.json()["results"]]
    assert employee_nos == ["E1001", "E1002"]
    row = response.json()["results"][0]
    assert row["name"].endswith("*")
    assert "*" in row["id_number"] and "*" in row["phone"]
